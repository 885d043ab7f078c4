import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casedCharacters, caseVariants, likeTest } from '../../../src/adapters/persistence/postgres/postgres-like.js';
import { likeMatcher } from '../../../src/domain/search/values.js';
import { describePostgres } from '../../support/postgres.js';

describe('caseVariants: the characters /iu takes for one', () => {
  it('follows simple case folding, not lowercasing: the Kelvin sign, the long s, final sigma, dotted İ', () => {
    expect(caseVariants('k').sort()).toEqual(['K', 'k', '\u212a'].sort());
    expect(caseVariants('S').sort()).toEqual(['S', 's', 'ſ'].sort());
    expect(caseVariants('ς').sort()).toEqual(['Σ', 'σ', 'ς'].sort());
    expect(caseVariants('ß').sort()).toEqual(['ß', 'ẞ'].sort());
    expect(caseVariants('İ')).toEqual(['İ']);
    expect(caseVariants('ı')).toEqual(['ı']);
    expect(caseVariants('🚀')).toEqual(['🚀']);
    expect(caseVariants('%')).toEqual(['%']);
  });

  it('misses no character: every one case can change is in the set, and one outside it matches no other under /iu', () => {
    const codes: number[] = [];
    for (let code = 0; code <= 0x10ffff; code++) if (code < 0xd800 || code > 0xdfff) codes.push(code);
    const every = Array.from({ length: Math.ceil(codes.length / 4096) }, (_, i) => String.fromCodePoint(...codes.slice(i * 4096, (i + 1) * 4096))).join('');
    // The set is built from planes 0 and 1 only: nothing beyond them may be cased.
    expect(casedCharacters()).toBe(every.match(/[\p{Changes_When_Casefolded}\p{Changes_When_Casemapped}]/gu)?.join(''));
    const cased = new Set(casedCharacters());
    const outside = [...every].filter((c) => !cased.has(c)).join('');
    const anyCased = new RegExp(`[${[...cased].map((c) => c.replace(/[\\\][^-]/g, '\\$&')).join('')}]`, 'giu');
    expect(outside.match(anyCased)).toBeNull();
  });
});

// Texts and patterns where a store can disagree with the domain: case beyond ASCII, escapes, a
// final backslash, characters outside the BMP, combining marks, newlines.
const TEXTS = [
  '', 'a', 'A', 'adam', 'ADAM', 'Adam', 'ädam', 'ÄDAM', 'straße', 'STRASSE', 'STRAẞE', 'ΟΔΟΣ', 'οδοσ', 'οδος', 'İ', 'i', 'I', 'ı',
  '\u212a', 'k', 'ſ', 's', '🚀', '🚀🚀', 'a_b', 'axb', 'a%b', 'a\\b', 'a\\', '\\', 'e\u0301', 'E\u0301', 'é', 'line\nbreak', "it's", '100%',
];
const PATTERNS = [
  '%', '_', '__', '', 'a', 'A', 'a%', '%A', 'ADAM', 'ädam', '%ÄD%', 'straße', 'STRA%E', 'STRASSE', 'οδοσ', 'ΟΔΟ_', 'οδος', 'İ', 'i', 'I',
  'k', 'K', 's', '_🚀', '🚀_', '%🚀%', 'a\\_b', 'a_b', 'a\\%b', 'a%b', 'a\\\\b', 'a\\', '\\', '\\\\', 'a\\\\', 'e_', 'É', 'line_break',
  'line%', "it's", '100\\%', '%\\%', '_%_', '%a%a%',
];

describePostgres('likeTest: PostgreSQL matches as the domain does', (postgres) => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: await postgres.createDatabase("ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.utf8'") });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  for (const caseInsensitive of [false, true]) {
    it(`${caseInsensitive ? 'ilike' : 'like'}: every pattern against every text`, async () => {
      for (const pattern of PATTERNS) {
        const test = likeTest(pattern, caseInsensitive);
        const { rows } = await client.query<{ matched: boolean[] }>(
          `SELECT array(SELECT t COLLATE "C" ${test.operator} $1 FROM unnest($2::text[]) WITH ORDINALITY AS u (t, i) ORDER BY i) AS matched`,
          [test.pattern, TEXTS],
        );
        const expected = TEXTS.map(likeMatcher(pattern, caseInsensitive));
        expect((rows[0] as { matched: boolean[] }).matched, `${caseInsensitive ? 'ilike' : 'like'} ${JSON.stringify(pattern)} as ${test.operator} ${JSON.stringify(test.pattern)}`).toEqual(expected);
      }
    });
  }
});
