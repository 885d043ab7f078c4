/**
 * Exponential moving average with debiasing, as TensorBoard's smoothing slider does: `weight` 0
 * leaves the curve as it is, 0.99 flattens it almost completely. Gaps (null) stay gaps and do not
 * reset the average; the first points are not pulled towards zero (the debiasing term).
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null;
    last = last * w + (1 - w) * value;
    count += 1;
    return last / (1 - w ** count);
  });
}
