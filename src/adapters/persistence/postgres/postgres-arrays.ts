/**
 * Array parameters of numbers (float8[], bigint[]) as PostgreSQL's array text (`{1,-0,NaN,NULL}`),
 * built here because pg builds it with String(), which writes -0 as 0: a -0 logged as a metric
 * value or a parameter would come back as 0. Every element prints exactly: String(x) is the
 * shortest text that reads back as the same double. pg also quotes every element, which this
 * leaves out.
 */
export function numbers(values: readonly (number | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) text += ',';
    text += value === null || value === undefined ? 'NULL' : Object.is(value, -0) ? '-0' : String(value);
  }
  return `${text}}`;
}
