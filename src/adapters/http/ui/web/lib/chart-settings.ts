/** How every chart of a page is drawn; the URL keeps it (`x=time`, `log=1`, `smooth=0.6`). */
export interface ChartSettings {
  xMode: 'step' | 'time';
  log: boolean;
  /** 0 (none) to 0.99: see smoothing.ts. */
  smoothing: number;
}

export const MAX_SMOOTHING = 0.99;

/** The settings a query holds; anything unreadable is the default (step, linear, no smoothing). */
export function readChartSettings(query: URLSearchParams): ChartSettings {
  const smooth = Number(query.get('smooth') ?? '0');
  return {
    xMode: query.get('x') === 'time' ? 'time' : 'step',
    log: query.get('log') === '1',
    smoothing: Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), MAX_SMOOTHING) : 0,
  };
}

/** The query values for changed settings; defaults are left out of the URL (undefined). */
export function chartSettingsQuery(changes: Partial<ChartSettings>): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  if (changes.xMode !== undefined) query.x = changes.xMode === 'time' ? 'time' : undefined;
  if (changes.log !== undefined) query.log = changes.log ? '1' : undefined;
  if (changes.smoothing !== undefined) query.smooth = changes.smoothing > 0 ? String(Math.min(changes.smoothing, MAX_SMOOTHING)) : undefined;
  return query;
}

/** A key that changes exactly when the settings a query holds change (for memoising on them). */
export function chartSettingsKey(query: URLSearchParams): string {
  return ['x', 'log', 'smooth'].map((name) => query.get(name) ?? '').join('\u0000');
}
