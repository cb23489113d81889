/**
 * The maximal torus of SU(N): eigen-phases (θ₁, …, θ_N) with Σθ ≡ 0 mod 2π.
 *
 * Coordinates: the N−1 free phases θ₁…θ_{N−1} (θ_N = −Σ_{i<N} θ_i, wrapped), each in [−π, π).
 * Metric: the one induced from ℝᴺ by θ = (φ, −Σφ), G = I + 11ᵀ: under it every permutation of the N
 * eigen-phases is an isometry, so a permutation-invariant potential gives a permutation-equivariant
 * flow (IRCPM and CNF take G from `metric`), and dist is the ℝᴺ distance of the full phase vectors
 * (shortest over the wraps). Densities and logVolume = (N−1) log 2π are with respect to dθ₁…dθ_{N−1}
 * (the Riemannian volume element is √N times it, a constant that cancels in every normalised
 * density); `weylLogDensity` gives the Haar-induced (Weyl) density in the same measure, so that a
 * flow targeting the eigenvalue distribution of a class function uses logp = weylLogDensity + …
 */
import { tf } from '../backend/index.ts';
import { FlatTorus, wrapAngle } from './torus.ts';

export class MaximalTorus extends FlatTorus {
  readonly suN: number;
  constructor(readonly N: number) {
    if (!Number.isInteger(N) || N < 2) throw new Error(`SU(N) maximal torus needs an integer N ≥ 2, got ${N}`);
    super(
      N - 1,
      `maxtorus${N}`,
      Array.from({ length: N - 1 }, (_, i) => Array.from({ length: N - 1 }, (_, j) => (i === j ? 2 : 1))),
    );
    this.suN = N;
  }
  /** All N phases from the N−1 free ones: [B, N−1] → [B, N], the last one wrapped to [−π, π). */
  fullPhases(theta: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.concat([theta, wrapAngle(tf.neg(tf.sum(theta, 1, true)))], 1) as tf.Tensor2D);
  }
  /**
   * log of the Weyl density Π_{i<j} |e^{iθ_i} − e^{iθ_j}|² / (N! (2π)^{N−1}), normalised to 1 over
   * dθ₁…dθ_{N−1}: the distribution of SU(N) eigen-phases under Haar measure.
   */
  weylLogDensity(theta: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const t = this.fullPhases(theta);
      const N = this.N;
      let logNorm = (N - 1) * Math.log(2 * Math.PI);
      for (let k = 2; k <= N; k++) logNorm += Math.log(k);
      const terms: tf.Tensor[] = [];
      const cols = tf.split(t, N, 1);
      for (let i = 0; i < N; i++) {
        for (let j = i + 1; j < N; j++) {
          // |e^{ia} − e^{ib}|² = 4 sin²((a−b)/2)
          terms.push(tf.log(tf.mul(4, tf.square(tf.sin(tf.mul(0.5, tf.sub(cols[i], cols[j])))))));
        }
      }
      return tf.sub(tf.reshape(tf.addN(terms), [-1]), logNorm) as tf.Tensor1D;
    });
  }
}

export function maximalTorus(N: number): MaximalTorus {
  return new MaximalTorus(N);
}
