import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../../src/adapters/http/ui/web/api.js';
import { chartSettingsKey, chartSettingsQuery, readChartSettings } from '../../../src/adapters/http/ui/web/lib/chart-settings.js';
import { parallelAxes, sequentialColor } from '../../../src/adapters/http/ui/web/pages/compare/parallel-layout.js';
import { readState, stateKey } from '../../../src/adapters/http/ui/web/pages/compare/state.js';
import { pointsPerLine } from '../../../src/adapters/http/ui/web/pages/compare/points.js';

describe('points per line of a compare chart', () => {
  it.each([
    [0, 1000],
    [1, 1000],
    [40, 1000],
    [41, 976],
    [100, 400],
    [200, 200],
    [1000, 200],
  ])('%i lines get %i points each', (lines, points) => {
    expect(pointsPerLine(lines)).toBe(points);
  });
});

describe('the chart settings in a URL', () => {
  const q = (text: string) => new URLSearchParams(text);

  it('reads them, with defaults for anything missing or unreadable', () => {
    expect(readChartSettings(q(''))).toEqual({ xMode: 'step', log: false, smoothing: 0 });
    expect(readChartSettings(q('x=time&log=1&smooth=0.6'))).toEqual({ xMode: 'time', log: true, smoothing: 0.6 });
    expect(readChartSettings(q('x=wall&log=yes&smooth=abc'))).toEqual({ xMode: 'step', log: false, smoothing: 0 });
    expect(readChartSettings(q('smooth=5')).smoothing).toBe(0.99);
    expect(readChartSettings(q('smooth=-1')).smoothing).toBe(0);
  });

  it('writes only what changed, leaving defaults out of the URL', () => {
    expect(chartSettingsQuery({ smoothing: 0.5 })).toEqual({ smooth: '0.5' });
    expect(chartSettingsQuery({ smoothing: 0, log: false, xMode: 'step' })).toEqual({ smooth: undefined, log: undefined, x: undefined });
    expect(chartSettingsQuery({ log: true, xMode: 'time' })).toEqual({ log: '1', x: 'time' });
  });

  it('has a key that ignores the other query values', () => {
    expect(chartSettingsKey(q('x=time&runs=a,b'))).toBe(chartSettingsKey(q('x=time&runs=c&metrics=loss')));
    expect(chartSettingsKey(q('smooth=0.5'))).not.toBe(chartSettingsKey(q('smooth=0.6')));
  });
});

describe('the compare state in a URL', () => {
  const q = (text: string) => new URLSearchParams(text);

  it('has a key that ignores the chart settings, and tells no metrics from the default metrics', () => {
    expect(stateKey(q('runs=a,b&smooth=0.3&log=1'))).toBe(stateKey(q('runs=a,b&x=time')));
    expect(stateKey(q('runs=a,b&metrics=,'))).not.toBe(stateKey(q('runs=a,b')));
    expect(stateKey(q('runs=a,b&pc=loss'))).not.toBe(stateKey(q('runs=a,b')));
  });

  it('reads runs without repeats, chosen metrics and goals', () => {
    const state = readState(q('runs=a,b,a&metrics=loss,acc&only=diff&pc=acc&goals=loss:max,a:b:min,bad:sideways'));
    expect(state).toEqual({ runIds: ['a', 'b'], metrics: ['loss', 'acc'], onlyDiff: true, pc: 'acc', goals: { loss: 'max', 'a:b': 'min' } });
    expect(readState(q('runs=a')).metrics).toBeUndefined();
    expect(readState(q('runs=a&metrics=,')).metrics).toEqual([]);
  });
});

describe('the axes of the parallel-coordinates plot', () => {
  const run = (runId: string) => ({ runId, experimentId: 'e', experimentName: 'e', status: 'completed' as const, parameters: {}, metrics: {} });
  const comparison: Comparison = {
    experimentIds: ['e'],
    runs: [run('a'), run('b'), run('c')],
    parameterDiff: [
      { key: 'batch', values: { a: 32, b: 32, c: 32 }, isDifferent: false },
      { key: 'lr', values: { a: 0.1, b: 0.3, c: null }, isDifferent: true },
      { key: 'opt', values: { a: 'sgd', b: 'adam', c: 1 }, isDifferent: true },
      { key: 'tag', values: { a: '1', b: 1, c: '1' }, isDifferent: true },
    ],
    metricComparison: [{ metricKey: 'loss', goal: 'min', values: { a: 2, b: 'NaN', c: 4 }, best: null, worst: null }],
  };

  it('has an axis per differing parameter, then the metric', () => {
    const axes = parallelAxes(comparison, 'loss');
    expect(axes.map((a) => [a.key, a.kind])).toEqual([
      ['lr', 'number'],
      ['opt', 'category'],
      ['tag', 'category'],
      ['loss', 'metric'],
    ]);
  });

  it('scales numbers from min to max, with missing values below the axis', () => {
    const [lr, , , loss] = parallelAxes(comparison, 'loss');
    expect(lr?.positions).toEqual([0, 1, null]);
    expect(lr?.hasMissing).toBe(true);
    expect(lr?.ticks.map((t) => t.label)).toEqual(['0.1', '0.2', '0.3']);
    // NaN is no place on a scale: missing.
    expect(loss?.positions).toEqual([0, null, 1]);
  });

  it('spaces categories evenly, numbers first, and keeps 1 and "1" apart', () => {
    const [, opt, tag] = parallelAxes(comparison, undefined);
    expect(opt?.ticks.map((t) => t.label)).toEqual(['1', 'adam', 'sgd']);
    expect(opt?.positions).toEqual([1, 0.5, 0]);
    expect(tag?.positions).toEqual([1, 0, 1]);
    expect(tag?.ticks).toHaveLength(2);
  });

  it('plots every parameter when none differ, and one value in the middle', () => {
    const same: Comparison = { ...comparison, parameterDiff: [comparison.parameterDiff[0] as Comparison['parameterDiff'][number]] };
    const [batch] = parallelAxes(same, undefined);
    expect(batch?.positions).toEqual([0.5, 0.5, 0.5]);
    expect(batch?.ticks).toEqual([{ at: 0.5, label: '32' }]);
  });

  it('colours from dark to light, clamped to the scale', () => {
    expect(sequentialColor(0)).toBe('rgb(68 1 84)');
    expect(sequentialColor(1)).toBe('rgb(214 188 20)');
    expect(sequentialColor(-1)).toBe(sequentialColor(0));
    expect(sequentialColor(2)).toBe(sequentialColor(1));
  });
});
