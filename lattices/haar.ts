/** Haar-random SU(N) (Mezzadri, "How to generate random matrices from the classical compact groups"). */
import { type Rng } from './random.ts';
import { det } from './matrix.ts';

const TWO_PI = 2 * Math.PI;

/**
 * Haar-distributed SU(N) matrix written to out at off. Rows of a complex Ginibre matrix are
 * Gram–Schmidt orthonormalised: this QR has a positive real diagonal of R, which is exactly the phase fix
 * that makes Q Haar on U(N). Multiplying by det(Q)^{−1/N} (a function of det only) maps Haar on U(N) to
 * Haar on SU(N), since left multiplication by V ∈ SU(N) commutes with that map.
 */
export function haarSUN(N: number, rng: Rng, out: Float64Array, off: number): void {
  const n2 = 2 * N * N;
  for (let k = 0; k < n2; k += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const phi = TWO_PI * rng();
    out[off + k] = r * Math.cos(phi);
    out[off + k + 1] = r * Math.sin(phi);
  }
  for (let i = 0; i < N; i++) {
    const ri = off + 2 * i * N;
    for (let k = 0; k < i; k++) {
      const rk = off + 2 * k * N;
      let cr = 0, ci = 0;
      for (let j = 0; j < N; j++) {
        const kr = out[rk + 2 * j], ki = out[rk + 2 * j + 1], xr = out[ri + 2 * j], xi = out[ri + 2 * j + 1];
        cr += kr * xr + ki * xi;
        ci += kr * xi - ki * xr;
      }
      for (let j = 0; j < N; j++) {
        const kr = out[rk + 2 * j], ki = out[rk + 2 * j + 1];
        out[ri + 2 * j] -= cr * kr - ci * ki;
        out[ri + 2 * j + 1] -= cr * ki + ci * kr;
      }
    }
    let n = 0;
    for (let j = 0; j < 2 * N; j++) n += out[ri + j] * out[ri + j];
    const s = 1 / Math.sqrt(n);
    for (let j = 0; j < 2 * N; j++) out[ri + j] *= s;
  }
  const d = det(out, off, N);
  const phi = -Math.atan2(d.im, d.re) / N;
  const c = Math.cos(phi), s = Math.sin(phi);
  for (let k = 0; k < n2; k += 2) {
    const xr = out[off + k], xi = out[off + k + 1];
    out[off + k] = xr * c - xi * s;
    out[off + k + 1] = xr * s + xi * c;
  }
}
