/** Small statistics helpers over plain number arrays (NaN-free input expected). */

/** @param {number[]} xs @returns {number|null} median, null for an empty list */
export function median(xs) {
  return quantile(xs, 0.5);
}

/**
 * Linear-interpolated quantile (q in 0..1) of xs; sorts a copy.
 * @param {ArrayLike<number>} xs
 * @returns {number|null} null for an empty list
 */
export function quantile(xs, q) {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** @param {number[]} xs @returns {{median:number|null,min:number|null,max:number|null,n:number}} */
export function summary(xs) {
  return {
    median: median(xs),
    min: xs.length ? Math.min(...xs) : null,
    max: xs.length ? Math.max(...xs) : null,
    n: xs.length,
  };
}
