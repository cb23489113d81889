/**
 * Standard normals for HMC momenta by Marsaglia's polar method: no trigonometric calls, one log
 * and one sqrt per pair — momentum refresh is a visible share of a small U(1) trajectory.
 */
import type { Rng } from '../lattices/random.ts';

/** Fill out[0 .. n) with independent N(0, 1) draws (both members of every pair used). */
export function fillGaussianPolar(rng: Rng, out: Float64Array, n = out.length): void {
  let i = 0;
  while (i < n) {
    const u = 2 * rng() - 1, v = 2 * rng() - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * m;
    if (i < n) out[i++] = v * m;
  }
}
