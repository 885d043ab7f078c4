/** Timestamps inside the core are epoch milliseconds (UTC); adapters render them as ISO-8601. */
export type Millis = number;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO-8601 date or date-time; returns undefined when it is not one. */
export function parseIsoDate(text: string): Millis | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  // Date.parse rolls 2026-02-30 over to March; a calendar date must exist as written.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  // A date-time without an offset is UTC, never the server's local time.
  const hasTime = text.length > 10;
  const ms = Date.parse(hasTime && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text);
  return Number.isFinite(ms) ? ms : undefined;
}

export function toIso(ms: Millis): string {
  return new Date(ms).toISOString();
}
