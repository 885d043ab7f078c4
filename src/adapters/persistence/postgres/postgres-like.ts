/**
 * The domain's `like` / `ilike` (search/values.ts, `likeMatcher`) as a PostgreSQL test of a text
 * column: an operator and a pattern to bind, so values never enter the SQL text.
 *
 * `like` is PostgreSQL's LIKE, with the pattern rewritten to its escaping: the domain makes the
 * character after `\` literal and a final lone `\` a plain backslash. Under COLLATE "C" LIKE
 * compares code points, as the domain does, and `_` is one code point in a UTF-8 database.
 *
 * `ilike` cannot be PostgreSQL's ILIKE: that folds case with lower(), which under "C" folds ASCII
 * only and under any other collation follows its library's lowercasing, not the domain's rule
 * (Unicode simple case folding, as JavaScript's /iu regular expressions apply it: ς and σ are one
 * letter, İ matches only itself, K matches the Kelvin sign). So the pattern is expanded instead:
 * each literal becomes the set of characters JavaScript's /iu treats as equal to it, and the test
 * is a case-sensitive regular expression (`~`), anchored at both ends. The case rule is thus
 * JavaScript's own, whatever the server's collation or ICU version. A pattern whose literals have
 * no case variants (digits, punctuation, most scripts) stays a LIKE.
 */
export interface LikeTest {
  operator: 'LIKE' | '~';
  pattern: string;
}

type Token = { kind: 'any' } | { kind: 'one' } | { kind: 'literal'; char: string };

export function likeTest(pattern: string, caseInsensitive: boolean): LikeTest {
  const tokens = tokenize(pattern);
  const variants = caseInsensitive ? tokens.map((token) => (token.kind === 'literal' ? caseVariants(token.char) : [])) : [];
  if (!variants.some((set) => set.length > 1)) return { operator: 'LIKE', pattern: tokens.map(likeToken).join('') };
  const body = tokens.map((token, i) => {
    if (token.kind === 'any') return '.*';
    if (token.kind === 'one') return '.';
    const set = variants[i] as string[];
    return set.length === 1 ? regexChar(token.char) : `[${set.map(regexChar).join('')}]`;
  });
  return { operator: '~', pattern: `^${body.join('')}$` };
}

/** The pattern read as `likeMatcher` reads it: by code point, `\` quoting the next one. */
function tokenize(pattern: string): Token[] {
  const chars = [...pattern];
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '%') tokens.push({ kind: 'any' });
    else if (c === '_') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'literal', char: c === '\\' && i + 1 < chars.length ? (chars[++i] as string) : c });
  }
  return tokens;
}

function likeToken(token: Token): string {
  if (token.kind === 'any') return '%';
  if (token.kind === 'one') return '_';
  return '%_\\'.includes(token.char) ? `\\${token.char}` : token.char;
}

/** A code point as a regular-expression character-entry escape (\uXXXX, \UXXXXXXXX): no character is special then. */
function regexChar(char: string): string {
  const code = char.codePointAt(0) as number;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
}

/**
 * Every character a JavaScript /iu regular expression takes for `char` (`char` itself included):
 * those whose simple case folding equals its own. Found by matching `char` case-insensitively
 * against every character case can change (Changes_When_Casefolded or Changes_When_Casemapped):
 * a character outside that set folds to itself and is no other's folding (a test holds the engine
 * to that), so it has no variants. Remembered per character, at most one entry per cased one.
 */
export function caseVariants(char: string): string[] {
  if (!IS_CASED.test(char)) return [char];
  let found = variantCache.get(char);
  if (!found) {
    found = casedCharacters().match(new RegExp(char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'giu')) ?? [char];
    variantCache.set(char, found);
  }
  return found;
}

const CASED_CLASS = '[\\p{Changes_When_Casefolded}\\p{Changes_When_Casemapped}]';
const IS_CASED = new RegExp(`^${CASED_CLASS}$`, 'u');
/** Planes 0 and 1 hold every character case can change (a test holds the engine's Unicode to that). */
const CASED_PLANES_END = 0x20000;
const variantCache = new Map<string, string[]>();
let cased: string | undefined;

/** Every character case can change, as one string (about 3,000): built on first use, in about 20 ms. */
export function casedCharacters(): string {
  if (cased === undefined) {
    const found: string[] = [];
    for (let start = 0; start < CASED_PLANES_END; start += 0x1000) {
      const block: number[] = [];
      for (let code = start; code < start + 0x1000; code++) if (code < 0xd800 || code > 0xdfff) block.push(code);
      found.push(...(String.fromCodePoint(...block).match(new RegExp(CASED_CLASS, 'gu')) ?? []));
    }
    cased = found.join('');
  }
  return cased;
}
