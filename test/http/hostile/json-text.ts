import fc from 'fast-check';

/**
 * JSON bodies as text, so a test can send what `JSON.stringify` never writes: numbers such as
 * `-0`, `1e999` (Infinity once parsed) or `1e-400`, duplicate keys, `__proto__` as an own key,
 * and nesting deeper than any client would send.
 */

/** Text spliced into the body as it is. */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object as an ordered list of entries: keys may repeat, and `__proto__` is a plain key. */
export class Entries {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

export function jsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') return jsonText(new Entries(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

/** What a hostile client puts in a string. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    'x\udc00y',
    '\u202e\u202dRTL\u200f\u061c',
    '\ufeff',
    '\u00e9\u0301',
    '😀'.repeat(3),
    'NaN',
    'Infinity',
    '-Infinity',
    '1e308',
    '-0',
    'null',
    'true',
    '__proto__',
    'constructor',
    '../../etc/passwd',
    "' OR 1=1 --",
    '%00',
    '%ff',
    '\\',
    '\r\n',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => 'x'.repeat(n)),
);

const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    new Raw('-0'),
    new Raw('1e308'),
    new Raw('-1e308'),
    new Raw('1e999'),
    new Raw('-1e999'),
    new Raw('1e-400'),
    new Raw('5e-324'),
    new Raw('9007199254740993'),
    new Raw('123456789012345678901234567890'),
    new Raw('0.1e1'),
    -1,
    0,
    1,
    1.5,
    2 ** 31,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Nested arrays or objects, deeper than any schema goes. */
const deep: fc.Arbitrary<Raw> = fc
  .tuple(fc.integer({ min: 50, max: 5_000 }), fc.boolean())
  .map(([depth, arrays]) => new Raw(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** A value of any JSON kind a field should not hold. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.constantFrom(null, true, false, [], {}, new Entries([['__proto__', { polluted: true }]]), new Entries([['constructor', { prototype: { polluted: true } }]])),
    deep,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('value')), { maxLength: 4 }).map((entries) => new Entries(entries)),
  ),
})).value;

/** A path segment as sent on the wire: any bytes, percent-encoded (lone surrogates as their WTF-8 bytes). */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%00', '%ff', '%ED%A0%80', '%c0%ae%c0%ae', '..', '%2e%2e', '%2F', '%5c', '0', '-1', '1e308', 'null', '__proto__', 'constructor', 'a'.repeat(2_000)),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  fc.uint8Array({ minLength: 1, maxLength: 30 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
);
