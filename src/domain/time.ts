/** Timestamps inside the core are epoch milliseconds (UTC); adapters render them as ISO-8601. */
export type Millis = number;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO-8601 date or date-time; returns undefined when it is not one. */
export function parseIsoDate(text: string): Millis | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

export function toIso(ms: Millis): string {
  return new Date(ms).toISOString();
}
