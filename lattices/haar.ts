/** Haar-random SU(N) (Mezzadri, "How to generate random matrices from the classical compact groups"). */
import { type Rng } from './random.ts';
import { reunitarize } from './matrix.ts';

const TWO_PI = 2 * Math.PI;

/**
 * Haar-distributed SU(N) matrix written to out at off: `reunitarize` a complex Ginibre matrix. Its
 * Gram–Schmidt on the rows is a QR with a positive real diagonal of R, which is exactly the phase fix
 * that makes Q Haar on U(N); its final multiplication by det(Q)^{−1/N} (a function of det only) maps Haar
 * on U(N) to Haar on SU(N), since left multiplication by V ∈ SU(N) commutes with that map.
 */
export function haarSUN(N: number, rng: Rng, out: Float64Array, off: number): void {
  const n2 = 2 * N * N;
  for (let k = 0; k < n2; k += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const phi = TWO_PI * rng();
    out[off + k] = r * Math.cos(phi);
    out[off + k + 1] = r * Math.sin(phi);
  }
  reunitarize(out, off, N);
}
