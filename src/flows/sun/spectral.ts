/**
 * The spectral layer on SU(N) (docs/design.md, "SU(N) spectral layer"): W = V diag(e^{iθ}) V†,
 * θ′ = κ(θ; c) on the maximal torus, W′ = V diag(e^{iθ′}) V†.
 *
 * κ is any `Bijector` on the maximal torus in its N−1 free phases (an IRCPM layer by default, whose
 * permutation-invariant potential makes it permutation-equivariant: Lemma 1 of the IRCPM paper), so
 * the layer does not depend on the order in which eigenvalues come out, nor on eigenvector phases.
 * Without a context the layer is conjugation-equivariant, f(ΩWΩ†) = Ω f(W) Ω†. The lattice coupling
 * applies it to untraced loops W = U S and moves U′ = W′ S† (right multiplication by the frozen S
 * keeps Haar measure, so the log-determinant is the same).
 *
 * log-determinant with respect to Haar: log det(∂θ′/∂θ) (the kernel's, in the free phases) +
 * log|Δ(θ′)|² − log|Δ(θ)|² (Weyl's integration formula). ok = the kernel's ok and both spectra
 * non-degenerate: the smallest eigenvalue gap at least `gapTol` (default 1e-3; under Haar the chance
 * of a smaller gap is of order gapTol³). A degenerate input (a cold start, a centre element) gives a
 * finite W′ (a permutation-equivariant κ maps degenerate phases to degenerate phases), a log-det of
 * finite value and gradient, and ok = 0: its density is not defined and must not be used.
 */
import { tf } from '../../backend/index.ts';
import type { Bijector } from '../bijector.ts';
import type { MaximalTorus } from '../../manifolds/maximal-torus.ts';
import { cmul, fromEigenphases, type CMat } from './complex.ts';
import { eigUnitaryTf } from './eig.ts';
import { minGapFree, weylLogRatio } from './weyl.ts';

export interface SpectralMapResult {
  W: CMat;
  logdet: tf.Tensor1D;
  ok: tf.Tensor1D;
  /** free eigen-phases before and after the kernel [B, N−1] */
  theta: tf.Tensor2D;
  thetaNew: tf.Tensor2D;
}

export class SpectralLayer implements Bijector<CMat, tf.Tensor2D> {
  readonly gapTol: number;
  constructor(
    readonly torus: MaximalTorus,
    readonly kernel: Bijector<tf.Tensor2D, tf.Tensor2D>,
    opts: { gapTol?: number } = {},
  ) {
    this.gapTol = opts.gapTol ?? 1e-3;
  }

  get variables(): tf.Variable[] {
    return this.kernel.variables;
  }

  /**
   * The map W ↦ W′ with κ's forward (direction 'forward') or inverse ('inverse'). With `covariant`
   * (per-sample matrices A that transform like W, W → ΩWΩ†, and do not move with W), the kernel's
   * context gains the eigenbasis diagonal a_j = scale·(V†AV)_jj (Re a_1..a_N, Im a_1..a_N): invariant
   * under V → V·diag(phases) and permuted with the eigenvalues, so the layer stays equivariant, and
   * the same in both directions because V is kept.
   */
  map(W: CMat, direction: 'forward' | 'inverse', context?: tf.Tensor2D, covariant?: { A: CMat; scale: number }): SpectralMapResult {
    const N = this.torus.N;
    const B = W.re.shape[0];
    if (W.re.shape[1] !== N) throw new Error(`spectral layer: SU(${N}) layer got ${W.re.shape[1]}×${W.re.shape[1]} matrices`);
    const eig = eigUnitaryTf(W);
    const theta = tf.slice(eig.theta, [0, 0], [B, N - 1]) as tf.Tensor2D;
    if (covariant) {
      const a = tf.mul(covariant.scale, eigenbasisDiagonal(eig.V, covariant.A)) as tf.Tensor2D;
      context = context ? (tf.concat([context, a], 1) as tf.Tensor2D) : a;
    }
    const r = direction === 'forward' ? this.kernel.forward(theta, context) : this.kernel.inverse(theta, context);
    const thetaNew = direction === 'forward' ? (r as { y: tf.Tensor2D }).y : (r as { x: tf.Tensor2D }).x;
    return tf.tidy(() => {
      const full = this.torus.fullPhases(thetaNew);
      const Wn = fromEigenphases(eig.V, full);
      const gapOld = Float32Array.from(eig.minGap, (g) => (g >= this.gapTol ? 1 : 0));
      const gapNew = minGapFree(this.torus, thetaNew).dataSync();
      const good = tf.tensor1d(Float32Array.from(gapOld, (g, i) => (g && gapNew[i] >= this.gapTol ? 1 : 0)));
      const logdet = tf.add(r.logdet, weylLogRatio(this.torus, thetaNew, theta, good)) as tf.Tensor1D;
      const ok = tf.mul(r.ok, good) as tf.Tensor1D;
      return { W: Wn, logdet, ok, theta: tf.clone(theta), thetaNew: tf.clone(thetaNew) };
    });
  }

  forward(x: CMat, context?: tf.Tensor2D): { y: CMat; logdet: tf.Tensor1D; ok: tf.Tensor1D } {
    const r = this.map(x, 'forward', context);
    return { y: r.W, logdet: r.logdet, ok: r.ok };
  }

  inverse(y: CMat, context?: tf.Tensor2D): { x: CMat; logdet: tf.Tensor1D; ok: tf.Tensor1D } {
    const r = this.map(y, 'inverse', context);
    return { x: r.W, logdet: r.logdet, ok: r.ok };
  }
}

/** (V†AV)_jj for V, A [B, N, N]: [B, 2N] (real parts, then imaginary parts). */
export function eigenbasisDiagonal(V: CMat, A: CMat): tf.Tensor2D {
  return tf.tidy(() => {
    // (V†AV)_jj = Σ_k conj(V_kj) (AV)_kj: a column-wise product summed over rows
    const AV = cmul(A, V);
    const re = tf.sum(tf.add(tf.mul(V.re, AV.re), tf.mul(V.im, AV.im)), 1);
    const im = tf.sum(tf.sub(tf.mul(V.re, AV.im), tf.mul(V.im, AV.re)), 1);
    return tf.concat([re, im], 1) as tf.Tensor2D;
  });
}
