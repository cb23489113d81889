/**
 * Sign and log|det| of a small real matrix (row-major n×n), by LU with partial pivoting.
 * Kept in logarithms because the Bessel determinants of the SU(N) results span hundreds of
 * orders of magnitude.
 */
export function signedLogDet(a: Float64Array, n: number): { sign: number; log: number } {
  const m = Float64Array.from(a);
  let sign = 1;
  let log = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[p * n + k]!)) p = i;
    const pivot = m[p * n + k]!;
    if (pivot === 0) return { sign: 0, log: -Infinity };
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = m[k * n + j]!;
        m[k * n + j] = m[p * n + j]!;
        m[p * n + j] = t;
      }
      sign = -sign;
    }
    if (pivot < 0) sign = -sign;
    log += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k]! / pivot;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) m[i * n + j]! -= f * m[k * n + j]!;
    }
  }
  return { sign, log };
}

/**
 * Signed log-sum-exp: ln|Σ s_i e^{l_i}| and its sign, for terms given as (sign, log) pairs.
 */
export function signedLogSumExp(terms: readonly { sign: number; log: number }[]): { sign: number; log: number } {
  let max = -Infinity;
  for (const t of terms) if (t.sign !== 0 && t.log > max) max = t.log;
  if (max === -Infinity) return { sign: 0, log: -Infinity };
  let s = 0;
  for (const t of terms) if (t.sign !== 0) s += t.sign * Math.exp(t.log - max);
  if (s === 0) return { sign: 0, log: -Infinity };
  return { sign: Math.sign(s), log: max + Math.log(Math.abs(s)) };
}
