import { isStorableText } from '../../../domain/keys.js';

/**
 * Lookups by text that no row can hold. Every stored text is well-formed Unicode without NUL
 * (the domain refuses the rest where records are written), so a lookup by any other text (an id
 * in a path, a name in a query string) finds nothing, and the repositories answer it themselves,
 * as the memory and SQLite stores do: not found, or nothing. Such text must not reach the
 * database: a NUL in a bind parameter fails the whole statement (SQLSTATE 22021, a 500), and
 * node-pg encodes a lone surrogate as U+FFFD, so '\uD800' would find what is stored as '\uFFFD'.
 * Anything else that slips through is a 400 (see `translate`), never a wrong answer.
 */

/** Whether a row can hold this text, so that a lookup by it may find something. */
export const storable: (text: string) => boolean = isStorableText;

/** The texts a row can hold: the others would find nothing. */
export function storableOnly(texts: readonly string[]): string[] {
  return texts.filter(isStorableText);
}
