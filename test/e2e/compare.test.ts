import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { Seeder } from '../support/seed.js';
import { describeUi } from '../support/ui.js';

/** A curve from `from` to `to` over `n` steps, so the latest value is `to`. */
const curve = (from: number, to: number, n = 40) => Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));

describeUi('the compare page', (ui) => {
  const ids: Record<'alpha' | 'beta' | 'gamma' | 'delta', string> = { alpha: '', beta: '', gamma: '', delta: '' };
  let experimentId = '';
  const compareUrl = (...names: (keyof typeof ids)[]) => `#/compare?runs=${names.map((n) => ids[n]).join(',')}`;

  beforeAll(async () => {
    const seed = new Seeder(ui().server.baseUrl);
    experimentId = (await seed.experiment('sweep')).id;
    // batch_size and layers are equal everywhere; lr, optimizer and dropout (gamma only) differ.
    const runs = {
      alpha: { lr: 0.01, optimizer: 'adam', acc: 0.9, loss: 0.15, time: 12 },
      beta: { lr: 0.001, optimizer: 'sgd', acc: 0.8, loss: 0.35, time: 15 },
      gamma: { lr: 0.1, optimizer: 'adam', acc: 0.95, loss: 0.25, dropout: 0.5 },
      delta: { lr: 0.03, optimizer: 'rmsprop', acc: 0.7, loss: 0.3 },
    };
    for (const [name, r] of Object.entries(runs) as [keyof typeof ids, (typeof runs)['gamma'] & { time?: number }][]) {
      const parameters: Record<string, string | number> = { lr: r.lr, optimizer: r.optimizer, batch_size: 32, layers: 4 };
      if (r.dropout !== undefined) parameters.dropout = r.dropout;
      const run = await seed.run(experimentId, { name, parameters });
      ids[name] = run.id;
      await seed.metric(run.id, 'acc', curve(0.1, r.acc));
      await seed.metric(run.id, 'loss', curve(2, r.loss));
      // Only alpha and beta log epoch_time: its chart has two lines.
      if (r.time !== undefined) await seed.metric(run.id, 'epoch_time', curve(r.time + 5, r.time));
      await seed.finish(run.id);
    }
  });

  const paramRow = (page: Page, key: string) => page.getByRole('table', { name: 'Parameters by run' }).locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: key }) });
  const metricCell = (page: Page, key: string, column: number) =>
    page.getByRole('table', { name: 'Metrics by run' }).locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: key, exact: true }) }).locator('td').nth(column + 1);
  const chart = (page: Page, key: string) => page.locator(`[data-compare-metric="${key}"] .chart-canvas`);

  it('shows the parameter diff, best and worst per metric, overlay charts and parallel coordinates', async () => {
    const page = await ui().open(compareUrl('alpha', 'beta', 'gamma', 'delta'));
    await page.getByRole('heading', { name: 'Compare 4 runs' }).waitFor();
    await expect.poll(() => page.getByRole('list', { name: 'Compared runs' }).getByRole('link').allTextContents()).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(await page.getByRole('link', { name: 'gamma' }).getAttribute('href')).toBe(`#/runs/${ids.gamma}`);
    expect(await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'sweep' }).getAttribute('href')).toBe(`#/experiments/${experimentId}`);

    for (const key of ['lr', 'optimizer', 'dropout']) {
      await expect.poll(() => paramRow(page, key).getAttribute('class')).toBe('different');
      expect(await paramRow(page, key).getByRole('rowheader').textContent()).toContain('differs');
    }
    for (const key of ['batch_size', 'layers']) {
      expect(await paramRow(page, key).getAttribute('class')).toBeNull();
      expect(await paramRow(page, key).getByRole('rowheader').textContent()).not.toContain('differs');
    }
    expect(await paramRow(page, 'dropout').locator('td').allTextContents()).toEqual(['—', '—', '0.5', '—']);
    expect(await paramRow(page, 'optimizer').locator('td').allTextContents()).toEqual(['adam', 'sgd', 'adam', 'rmsprop']);

    // loss is minimised: alpha (0.15) best, beta (0.35) worst; acc maximised: gamma best, delta worst.
    const marks = async (key: string) => Promise.all([0, 1, 2, 3].map(async (i) => (await metricCell(page, key, i).getAttribute('class'))?.replace('num mono', '').trim() ?? ''));
    expect(await marks('loss')).toEqual(['best', 'worst', '', '']);
    expect(await marks('acc')).toEqual(['', '', 'best', 'worst']);
    expect(await metricCell(page, 'loss', 0).textContent()).toBe('0.15best');
    expect(await metricCell(page, 'acc', 3).textContent()).toBe('0.7worst');
    expect(await page.getByRole('button', { name: /^Goal of loss: minimise/ }).textContent()).toContain('min');
    expect(await page.getByRole('button', { name: /^Goal of acc: maximise/ }).textContent()).toContain('max');

    // The first two metric keys are charted by default; epoch_time was logged by two runs only.
    await expect.poll(() => chart(page, 'acc').getAttribute('data-series-count')).toBe('4');
    await expect.poll(() => chart(page, 'epoch_time').getAttribute('data-series-count')).toBe('2');
    expect(await chart(page, 'loss').count()).toBe(0);
    await page.getByRole('checkbox', { name: 'loss' }).check();
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('4');
    await expect.poll(() => page.url()).toContain('metrics=acc%2Cepoch_time%2Closs');

    // Parallel coordinates: one line per run, an axis per differing parameter, then the metric.
    const plot = page.locator('svg.pc-plot');
    expect(await page.getByRole('img', { name: 'Parallel coordinates: 4 runs across 3 parameters to acc' }).count()).toBe(1);
    expect(await plot.locator('.pc-line').count()).toBe(4);
    expect(await plot.locator('.pc-axis-label').allTextContents()).toEqual(['dropout', 'lr', 'optimizer', 'acc']);
    expect(await plot.locator('.pc-line title').allTextContents()).toEqual(['alpha · acc: 0.9', 'beta · acc: 0.8', 'gamma · acc: 0.95', 'delta · acc: 0.7']);
    await page.getByLabel('Metric', { exact: true }).selectOption('loss');
    await expect.poll(() => plot.locator('.pc-axis-label').last().textContent()).toBe('loss');
    await expect.poll(() => page.url()).toContain('pc=loss');

    await page.getByRole('checkbox', { name: 'loss' }).uncheck();
    await expect.poll(() => chart(page, 'loss').count()).toBe(0);
    await page.getByRole('checkbox', { name: 'loss' }).check();
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('4');
    await ui().screenshot(page, 'compare');
  });

  it('hides equal parameters with "Only differences", and the URL keeps it', async () => {
    const page = await ui().open(compareUrl('alpha', 'beta', 'gamma'));
    await paramRow(page, 'batch_size').waitFor();
    await page.getByRole('checkbox', { name: 'Only differences' }).check();
    await expect.poll(() => paramRow(page, 'batch_size').count()).toBe(0);
    expect(await paramRow(page, 'lr').count()).toBe(1);
    await expect.poll(() => page.url()).toContain('only=diff');

    const again = await ui().open(`#${page.url().split('#')[1] ?? ''}`);
    await paramRow(again, 'lr').waitFor();
    expect(await again.getByRole('checkbox', { name: 'Only differences' }).isChecked()).toBe(true);
    expect(await paramRow(again, 'batch_size').count()).toBe(0);
    expect(await paramRow(again, 'layers').count()).toBe(0);
  });

  it('keeps the chart controls in the URL', async () => {
    const page = await ui().open(`${compareUrl('alpha', 'beta')}&metrics=loss&log=1&x=time&smooth=0.5`);
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('2');
    expect(await page.getByRole('checkbox', { name: 'Log scale' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Time' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Smoothing').inputValue()).toBe('0.5');
    expect(await chart(page, 'acc').count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Log scale' }).uncheck();
    await page.getByRole('radio', { name: 'Step' }).check();
    await expect.poll(() => page.url()).not.toMatch(/log=|x=/);
    expect(page.url()).toContain('smooth=0.5');
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('2');
  });

  it('moves the smoothing slider without asking for the histories again or redrawing the tables', async () => {
    const page = await ui().open(`${compareUrl('alpha', 'beta', 'gamma')}&metrics=loss`);
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('3');
    const series: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/')) series.push(request.url());
    });
    // A mark on a table cell and on a plot line: a re-render of those parts would not remove
    // them, but a rebuild of them would; and the canvas must be the same element (no new uPlot).
    await page.evaluate(`document.querySelector('.compare-table td').dataset.mark = '1';
      document.querySelector('.pc-line').dataset.mark = '1';
      document.querySelector('[data-compare-metric="loss"] canvas').dataset.mark = '1';`);
    await page.getByLabel('Smoothing').fill('0.8');
    await expect.poll(() => page.url()).toContain('smooth=0.8');
    await page.getByRole('checkbox', { name: 'Log scale' }).check();
    await page.getByRole('radio', { name: 'Time' }).check();
    await expect.poll(() => page.url()).toContain('x=time');
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('3');
    expect(series).toEqual([]);
    expect(await page.locator('.compare-table td[data-mark]').count()).toBe(1);
    expect(await page.locator('.pc-line[data-mark]').count()).toBe(1);
  });

  it('says when the histories failed, and loads them on "Try again"', async () => {
    ui().expectFailures(/api\/metrics\/series/);
    const page = await ui().open('#/nowhere');
    let failures = 1;
    await page.route('**/api/metrics/series', async (route) => {
      if (failures-- > 0) await route.fulfill({ status: 500, contentType: 'application/problem+json', body: JSON.stringify({ status: 500, title: 'Internal', detail: 'boom', code: 'INTERNAL' }) });
      else await route.continue();
    });
    await page.evaluate(`location.hash = '${compareUrl('alpha', 'beta')}&metrics=loss'`);
    const placeholder = page.locator('[data-compare-metric="loss"] .chart-placeholder');
    await placeholder.getByText('Not loaded').waitFor();
    expect(await placeholder.getAttribute('aria-busy')).toBeNull();
    await page.getByRole('alert').getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('2');
  });

  it('removes a run with its chip: the URL, the tables and the charts follow', async () => {
    const page = await ui().open(compareUrl('alpha', 'beta', 'gamma', 'delta'));
    await expect.poll(() => chart(page, 'acc').getAttribute('data-series-count')).toBe('4');
    await page.getByRole('button', { name: 'Remove beta from the comparison' }).click();
    await page.getByRole('heading', { name: 'Compare 3 runs' }).waitFor();
    expect(page.url()).toContain(`runs=${[ids.alpha, ids.gamma, ids.delta].join('%2C')}`);
    await expect.poll(() => page.getByRole('table', { name: 'Metrics by run' }).locator('thead th').allTextContents()).toEqual(['Metric', 'Goal', 'alpha', 'gamma', 'delta']);
    // Without beta, delta is now the worst loss.
    expect(await metricCell(page, 'loss', 2).getAttribute('class')).toContain('worst');
    await expect.poll(() => chart(page, 'acc').getAttribute('data-series-count')).toBe('3');
    await expect.poll(() => chart(page, 'epoch_time').getAttribute('data-series-count')).toBe('1');
    expect(await page.locator('.pc-line').count()).toBe(3);
  });

  it('flips a metric goal: best and worst swap and the URL keeps the goal', async () => {
    const page = await ui().open(compareUrl('alpha', 'beta', 'gamma', 'delta'));
    await page.getByRole('button', { name: /^Goal of acc: maximise/ }).click();
    await page.getByRole('button', { name: /^Goal of acc: minimise/ }).waitFor();
    await expect.poll(() => metricCell(page, 'acc', 3).getAttribute('class')).toContain('best');
    expect(await metricCell(page, 'acc', 2).getAttribute('class')).toContain('worst');
    expect(page.url()).toContain('goals=acc%3Amin');
  });

  it('explains an empty comparison, a single run and an unknown run', async () => {
    const empty = await ui().open('#/compare');
    await empty.getByText('No runs to compare').waitFor();
    expect(await empty.getByText(/tick two or more runs in its run table/).count()).toBe(1);

    ui().expectFailures(/api\/runs\/compare/);
    const page = await ui().open(`#/compare?runs=${ids.alpha},no-such-run`);
    await page.getByRole('alert').getByText('Run not found').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain("run 'no-such-run' does not exist");
    await page.getByRole('button', { name: 'Remove run no-such-run from the comparison' }).click();
    await page.getByRole('heading', { name: 'Compare 1 run' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`runs=${ids.alpha}$`));
    await page.getByText('A comparison needs two or more runs').waitFor();
    expect(await paramRow(page, 'lr').locator('td').allTextContents()).toEqual(['0.01']);
    await expect.poll(() => chart(page, 'acc').getAttribute('data-series-count')).toBe('1');
  });

  it('draws a chart of more lines than a legend holds each on its own steps: the hover reads a line, a lone point shows', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('wide sweep');
    const runIds: string[] = [];
    // 14 runs of different lengths (so their steps differ); the first logs one value between NaNs,
    // far above the others, which only a dot can show (in the top quarter of the canvas, where no
    // line reaches).
    for (let r = 0; r < 14; r++) {
      const run = await seed.run(experiment.id, { name: `wide-${r}` });
      runIds.push(run.id);
      await seed.metric(run.id, 'loss', r === 0 ? ['NaN', 5, 'NaN'] : curve(1, 0.1 + r / 100, 20 + 3 * r));
    }
    const page = await ui().open(`#/compare?runs=${runIds.join(',')}&metrics=loss`);
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('14');
    const figure = page.locator('[data-compare-metric="loss"] .chart');
    await figure.locator('.u-over').hover();
    await expect.poll(() => figure.locator('.chart-readout').innerText()).toMatch(/^step \d+ · wide-\d+: \d/);
    // No legend for so many lines: the read-out is the hover's only text.
    expect(await figure.locator('.u-legend').count()).toBe(0);

    const topColoured = await chart(page, 'loss')
      .locator('canvas')
      .evaluate((element: HTMLCanvasElement) => {
        const rows = Math.round(element.height * 0.25);
        const { data } = (element.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, element.width, rows);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]] as number[];
          if ((a as number) > 100 && Math.max(r as number, g as number, b as number) - Math.min(r as number, g as number, b as number) > 80) count++;
        }
        return count;
      });
    expect(topColoured).toBeGreaterThan(4);

    // Smoothing hands the plot new data (no new plot), a log scale and time on x build a new one.
    await page.getByLabel('Smoothing').fill('0.5');
    await page.getByRole('checkbox', { name: 'Log scale' }).check();
    await page.getByRole('radio', { name: 'Time' }).check();
    await expect.poll(() => page.url()).toContain('x=time');
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count')).toBe('14');
    await figure.locator('.u-over').hover({ position: { x: 40, y: 40 } });
    await figure.locator('.u-over').hover();
    await expect.poll(() => figure.locator('.chart-readout').innerText()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d · wide-\d+: \d/);
  });

  it('draws the first 100 of 101 runs of 10,000 points each in one chart, downsampled to 400 points a line', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('big sweep');
    const runIds: string[] = [];
    for (let r = 0; r < 101; r++) {
      const run = await seed.run(experiment.id, { name: `big-${r}`, parameters: { lr: 10 ** -(1 + (r % 4)), width: 64 * (1 + (r % 3)) } });
      runIds.push(run.id);
    }
    // 1,000,000 points, one 10,000-point batch per request, four requests at a time.
    const points = (r: number) => Array.from({ length: 10_000 }, (_, i) => Math.exp(-i / (1500 + 20 * r)) + 0.05 * Math.sin(i / 50 + r));
    for (let r = 0; r < runIds.length; r += 4) {
      await Promise.all(runIds.slice(r, r + 4).map((id, j) => seed.metric(id, 'loss', points(r + j))));
    }

    // How fast is the benchmark's business (W9 in npm run bench); this asserts what is drawn.
    const asked: string[] = [];
    const blank = await ui().open('#/nowhere');
    blank.context().on('request', (request) => {
      if (request.url().endsWith('/api/metrics/series')) asked.push(...(JSON.parse(request.postData() ?? '{}') as { runIds: string[] }).runIds);
    });
    const page = await ui().open(`#/compare?runs=${runIds.join(',')}&metrics=loss`);
    // A generous bound: CI runs this beside every other suite on two cores (it is not a timing).
    await expect.poll(() => chart(page, 'loss').getAttribute('data-series-count'), { timeout: 90_000 }).toBe('100');
    // The 101st run is in the tables and the plot, not in the charts: its history is not even asked for.
    await page.getByText('Charts show the first 100 of 101 runs').waitFor();
    expect(asked).toHaveLength(100);
    expect(asked).not.toContain(runIds[100]);
    expect(await page.getByRole('table', { name: 'Metrics by run' }).locator('thead th').count()).toBe(2 + 101);
    // 100 lines on one chart get 400 points each (not 1,000): the server downsamples, keeping extremes.
    const label = (await chart(page, 'loss').getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/^loss: 100 lines, \d+ points$/);
    const drawn = Number(/(\d+) points/.exec(label)?.[1]);
    expect(drawn).toBeGreaterThan(100 * 300);
    expect(drawn).toBeLessThanOrEqual(100 * 400);
    expect(await page.locator('.pc-line').count()).toBe(101);

    // Down to two runs, the lines are as detailed as a fresh link to those two runs shows them
    // (1,000 points each), not the 400 they were fetched with among 100.
    await page.evaluate(`location.hash = '#/compare?runs=${runIds.slice(0, 2).join(',')}&metrics=loss'`);
    await expect.poll(() => chart(page, 'loss').getAttribute('aria-label'), { timeout: 15_000 }).toMatch(/^loss: 2 lines, (\d{4}) points$/);
    const fewer = Number(/(\d+) points/.exec((await chart(page, 'loss').getAttribute('aria-label')) ?? '')?.[1]);
    expect(fewer).toBeGreaterThan(2 * 900);
    expect(await page.getByText(/Charts show the first/).count()).toBe(0);
  }, 300_000);
});
