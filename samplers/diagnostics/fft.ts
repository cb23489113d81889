/**
 * Autocovariance sums by FFT, so that the Γ-method costs O(N log N) even when the window has to
 * grow to N/2 (a frozen topological charge would make the direct O(N·W) sum quadratic).
 */

/** In-place iterative radix-2 FFT of (re, im); `inverse` uses e^{+i…} and does not scale. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      // Twiddles from cos/sin directly rather than by recurrence: no accumulated rounding.
      const wr = Math.cos(ang * k);
      const wi = Math.sin(ang * k);
      for (let s = k; s < n; s += len) {
        const t = s + half;
        const xr = re[t]! * wr - im[t]! * wi;
        const xi = re[t]! * wi + im[t]! * wr;
        re[t] = re[s]! - xr;
        im[t] = im[s]! - xi;
        re[s]! += xr;
        im[s]! += xi;
      }
    }
  }
}

/**
 * out[t] = Σ_r Σ_{i=0}^{N_r−1−t} d_r[i] d_r[i+t] for t = 0 … tMax (terms with i + t ≥ N_r absent).
 * Short series are summed directly (exact and faster than a transform).
 */
export function autocovarianceSums(series: readonly Float64Array[], tMax: number): Float64Array {
  const out = new Float64Array(tMax + 1);
  for (const d of series) {
    const n = d.length;
    const top = Math.min(tMax, n - 1);
    if (n <= 256) {
      for (let t = 0; t <= top; t++) {
        let s = 0;
        for (let i = 0; i + t < n; i++) s += d[i]! * d[i + t]!;
        out[t]! += s;
      }
      continue;
    }
    let size = 1;
    while (size < 2 * n) size <<= 1; // zero padding: no wrap-around of the circular correlation
    const re = new Float64Array(size);
    const im = new Float64Array(size);
    re.set(d);
    fft(re, im, false);
    for (let k = 0; k < size; k++) {
      re[k] = re[k]! * re[k]! + im[k]! * im[k]!;
      im[k] = 0;
    }
    fft(re, im, true);
    for (let t = 0; t <= top; t++) out[t]! += re[t]! / size;
  }
  return out;
}
