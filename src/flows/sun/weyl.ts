/**
 * The eigen-phase distribution of Haar-random SU(N) matrices on the maximal torus (Weyl's density)
 * as a `BaseDistribution` in the N−1 free phases (src/manifolds/maximal-torus.ts), and the guarded
 * Weyl ratio log|Δ(θ′)|² − log|Δ(θ)|² that spectral layers add to their kernel's log-determinant
 * (docs/design.md, "SU(N) spectral layer").
 *
 * A flow on the torus with this base is the same distribution as a conjugation-equivariant flow on
 * SU(N) started from Haar: its importance weights p/q are equal sample by sample, so a single-matrix
 * flow is trained on the torus against log p = weylLogDensity + class-function weight.
 */
import { tf } from '../../backend/index.ts';
import type { BaseDistribution } from '../bijector.ts';
import type { MaximalTorus } from '../../manifolds/maximal-torus.ts';
import { haarSUN } from '../../../lattices/haar.ts';
import { eigUnitary } from '../../../lattices/matrix.ts';

/** Haar-random SU(N) matrices, interleaved float64 (2N² doubles each). */
export function haarMatrices(N: number, n: number, rng: () => number): Float64Array {
  const m = 2 * N * N;
  const out = new Float64Array(n * m);
  for (let b = 0; b < n; b++) haarSUN(N, rng, out, b * m);
  return out;
}

/** wrap to [−π, π) (the maximal torus' convention) */
function wrap(t: number): number {
  return t - 2 * Math.PI * Math.floor((t + Math.PI) / (2 * Math.PI));
}

export class WeylBase implements BaseDistribution<tf.Tensor2D> {
  readonly N: number;
  constructor(readonly torus: MaximalTorus) {
    this.N = torus.N;
  }
  /** the first N−1 eigen-phases of Haar matrices (eigenvalue order as eigUnitary returns it) */
  sample(n: number, rng: () => number): tf.Tensor2D {
    const N = this.N, m = 2 * N * N;
    const U = haarMatrices(N, n, rng);
    const ph = new Float64Array(N), vec = new Float64Array(m);
    const out = new Float32Array(n * (N - 1));
    for (let b = 0; b < n; b++) {
      eigUnitary(U, b * m, N, ph, 0, vec, 0);
      for (let k = 0; k < N - 1; k++) out[b * (N - 1) + k] = wrap(ph[k]);
    }
    return tf.tensor2d(out, [n, N - 1]);
  }
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    return this.torus.weylLogDensity(x);
  }
}

/**
 * Smallest |e^{iθ_i} − e^{iθ_j}| per sample from the free phases (θ_N = −Σθ), float32 tensor [B].
 * Not differentiated (a guard).
 */
export function minGapFree(torus: MaximalTorus, theta: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const cols = tf.split(torus.fullPhases(theta), torus.N, 1);
    let best: tf.Tensor = tf.fill([theta.shape[0], 1], 2);
    for (let i = 0; i < cols.length; i++) {
      for (let j = i + 1; j < cols.length; j++) best = tf.minimum(best, tf.abs(tf.mul(2, tf.sin(tf.mul(0.5, tf.sub(cols[i], cols[j]))))));
    }
    return tf.reshape(best, [-1]) as tf.Tensor1D;
  });
}

/**
 * log|Δ(θ′)|² − log|Δ(θ)|² per sample (free phases in, [B] out) where both spectra are
 * non-degenerate (`good` = 1). Where `good` = 0 the result is 0 and, because both inputs are replaced
 * by a fixed generic point before the logarithms, its gradient is 0 too — never NaN (the `where` of
 * an infinite branch would otherwise poison the backward pass).
 */
export function weylLogRatio(torus: MaximalTorus, thetaNew: tf.Tensor2D, thetaOld: tf.Tensor2D, good: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const B = thetaNew.shape[0], n = torus.N - 1;
    // a generic, well separated point: phases 2πk/N + 0.1k
    const generic = tf.tile(tf.tensor2d([Array.from({ length: n }, (_, k) => (2 * Math.PI * (k + 1)) / torus.N + 0.1 * (k + 1) - Math.PI)]), [B, 1]);
    const mask = tf.tile(tf.expandDims(tf.greater(good, 0.5), 1), [1, n]);
    const a = tf.where(mask, thetaNew, generic) as tf.Tensor2D;
    const b = tf.where(mask, thetaOld, generic) as tf.Tensor2D;
    const r = tf.sub(torus.weylLogDensity(a), torus.weylLogDensity(b));
    return tf.where(tf.greater(good, 0.5), r, tf.zerosLike(r)) as tf.Tensor1D;
  });
}
