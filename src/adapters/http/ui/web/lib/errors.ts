/** Whatever was thrown (a rejected fetch, a string, an ApiError) as an Error a page can show. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
