/**
 * Implicit Riemannian Concave Potential Map (DESIGN §3): one layer f(x) = argmin_y ½d(x,y)² + ψ(y).
 *
 * - Forward f: damped Newton on the first-order condition g(y) = x, g(y) = exp_y(grad ψ(y)), started at
 *   y = x, with a per-sample backtracking line search on the residual d(g(y), x), a tolerance and an
 *   iteration cap. Every sample carries an `ok` flag: converged AND det J_g(y) > 0 (a strict local
 *   minimum of h(x, ·)). Because each returned y has exactly one preimage, g(y), the density
 *   log q(y) = log π(g(y)) + log|det J_g(y)| is exact for every ok point.
 * - Inverse g and its log-determinant are explicit (no solve).
 * - Gradients through the solve come from the implicit function theorem inside tf.customGrad: the
 *   forward solve is not recorded; the backward pass solves J_gᵀ λ = E_y ȳ per sample and takes one
 *   vector–Jacobian product of the explicit map g (dL/dθ = −λᵀ ∂_θ g, dL/dx = E_xᵀ λ).
 */
import { tf } from '../backend/index.ts';
import type { Manifold } from '../manifolds/types.ts';
import type { Potential } from './potentials.ts';
import { ircpmGeometry, type IRCPMGeometry } from './ircpm-geometry.ts';
import { det, logAbsDet, solve } from './logdet.ts';

export interface SolverOptions {
  /** residual d(g(y), x) below which a sample counts as converged */
  tol?: number;
  maxIter?: number;
  /** longest Newton step (geodesic length); longer proposals are scaled down */
  maxStep?: number;
}

export interface SolveResult {
  y: tf.Tensor2D;
  /** 1 where the sample converged and det J_g(y) > 0 */
  ok: Float32Array;
  residual: Float32Array;
  iterations: number;
}

export class IRCPMLayer {
  readonly geometry: IRCPMGeometry;
  readonly tol: number;
  readonly maxIter: number;
  readonly maxStep: number;

  constructor(readonly manifold: Manifold, readonly potential: Potential, opts: SolverOptions = {}) {
    this.geometry = ircpmGeometry(manifold);
    if (potential.inputDim !== manifold.ambientDim) {
      throw new Error(`IRCPM: potential takes ${potential.inputDim} coordinates but ${manifold.name} has ${manifold.ambientDim}`);
    }
    this.tol = opts.tol ?? 1e-5;
    this.maxIter = opts.maxIter ?? 60;
    this.maxStep = opts.maxStep ?? 1.0;
  }

  /** g(y) and log|det J_g(y)| — explicit and differentiable in y and θ. */
  inverse(y: tf.Tensor2D): { x: tf.Tensor2D; logdet: tf.Tensor1D } {
    return tf.tidy(() => {
      const ex = this.geometry.explicit(y, this.potential);
      return { x: ex.x, logdet: logAbsDet(ex.M) };
    });
  }

  /** log|det J_g(y)| and the sign of det J_g(y) (positive for a strict local minimum). */
  logdetAt(y: tf.Tensor2D): { logdet: tf.Tensor1D; positive: tf.Tensor1D } {
    return tf.tidy(() => {
      const ex = this.geometry.explicit(y, this.potential);
      return { logdet: logAbsDet(ex.M), positive: tf.cast(tf.greater(det(ex.M), 0), 'float32') as tf.Tensor1D };
    });
  }

  /** Inner solve, not differentiable (use `forward` for gradients). */
  solve(x: tf.Tensor2D): SolveResult {
    const B = x.shape[0];
    const geo = this.geometry;
    const psi = this.potential;
    const stopTol = this.tol / 20;
    const evalAt = (y: tf.Tensor2D) =>
      tf.tidy(() => {
        const ex = geo.explicit(y, psi);
        const r = geo.residual(x, ex);
        const merit = tf.norm(r, 2, 1) as tf.Tensor1D;
        const dir = solve(ex.M, r);
        // the Newton direction, capped in length for robustness far from the solution
        const len = tf.norm(geo.fromFrame(ex.Ey, dir), 2, 1, true);
        const capped = tf.mul(dir, tf.minimum(1, tf.div(this.maxStep, tf.add(len, 1e-12)))) as tf.Tensor2D;
        return { merit, dir: capped, Ey: ex.Ey, detM: det(ex.M) };
      });
    let y = tf.clone(x);
    let st = evalAt(y);
    let alpha = tf.ones([B, 1]);
    let it = 0;
    for (; it < this.maxIter; it++) {
      const merit = st.merit.dataSync();
      const a = alpha.dataSync();
      let active = 0;
      for (let i = 0; i < B; i++) if (merit[i] > stopTol && a[i] > 1e-5 && Number.isFinite(merit[i])) active++;
      if (active === 0) break;
      const yc = geo.step(y, st.Ey, tf.tidy(() => tf.mul(alpha, st.dir)) as tf.Tensor2D);
      const sc = evalAt(yc);
      const next = tf.tidy(() => {
        const accept = tf.logicalAnd(tf.less(sc.merit, st.merit), tf.greater(st.merit, stopTol));
        const acc2 = tf.reshape(accept, [-1, 1]);
        const acc3 = tf.reshape(accept, [-1, 1, 1]);
        return {
          y: tf.where(acc2, yc, y) as tf.Tensor2D,
          merit: tf.where(accept, sc.merit, st.merit) as tf.Tensor1D,
          dir: tf.where(acc2, sc.dir, st.dir) as tf.Tensor2D,
          Ey: tf.where(acc3, sc.Ey, st.Ey) as tf.Tensor3D,
          detM: tf.where(accept, sc.detM, st.detM) as tf.Tensor1D,
          alpha: tf.where(acc2, tf.onesLike(alpha), tf.mul(alpha, 0.5)),
        };
      });
      tf.dispose([y, yc, alpha, st.merit, st.dir, st.Ey, st.detM, sc.merit, sc.dir, sc.Ey, sc.detM]);
      y = next.y;
      alpha = next.alpha;
      st = { merit: next.merit, dir: next.dir, Ey: next.Ey, detM: next.detM };
    }
    const residual = st.merit.dataSync().slice() as Float32Array;
    const dm = st.detM.dataSync();
    const ok = new Float32Array(B);
    for (let i = 0; i < B; i++) ok[i] = residual[i] < this.tol && dm[i] > 0 && Number.isFinite(residual[i]) ? 1 : 0;
    tf.dispose([alpha, st.merit, st.dir, st.Ey, st.detM]);
    return { y, ok, residual, iterations: it };
  }

  /**
   * y = f(x) differentiable w.r.t. x and the potential's variables by the implicit function theorem,
   * plus log|det J_g(y)| at the returned point (differentiable as an explicit function of y, θ).
   *
   * tfjs' tape is not re-entrant (a tf.grad called inside a customGrad gradient replaces and then
   * disposes the outer tape), so the vector–Jacobian product of g is taken by the outer tape itself:
   * g_θ(y₀) is evaluated on the tape at the detached solution y₀, and a customGrad op with inputs
   * (x, g_θ(y₀)) returns y₀ with backward ȳ ↦ (E_xᵀλ, −E_xᵀλ), J_gᵀλ = E_y ȳ; the outer tape then
   * carries −E_xᵀλ through g_θ to every parameter.
   */
  forward(x: tf.Tensor2D): { y: tf.Tensor2D; logdet: tf.Tensor1D; ok: Float32Array } {
    let ok: Float32Array = new Float32Array(0);
    // The solve itself runs inside a customGrad forward, which tfjs never records on the tape.
    const detachedSolve = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const res = this.solve(args[0] as tf.Tensor2D);
      ok = res.ok;
      return { value: res.y as tf.Tensor, gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
    });
    const y0 = detachedSolve(x) as tf.Tensor2D;
    const ex0 = this.geometry.explicit(y0, this.potential); // on the tape: depends on θ at fixed y₀
    const geo = this.geometry;
    const implicit = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      (args[2] as tf.GradSaveFunc)([ex0.M, ex0.Ey, ex0.Ex]);
      return {
        value: tf.clone(y0) as tf.Tensor,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [M, Ey, Ex] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
          const lam = solve(tf.transpose(M, [0, 2, 1]) as tf.Tensor3D, geo.toFrame(Ey, dy as tf.Tensor2D));
          const lamAmb = geo.fromFrame(Ex, lam);
          return [lamAmb, tf.neg(lamAmb)];
        },
      };
    });
    const y = implicit(x, ex0.xRaw) as tf.Tensor2D;
    const logdet = tf.tidy(() => logAbsDet(this.geometry.explicit(y, this.potential).M));
    tf.dispose([y0, ex0.x, ex0.M, ex0.Ey, ex0.Ex, ex0.gradPsi]);
    if (ex0.xRaw !== ex0.x) ex0.xRaw.dispose();
    return { y, logdet, ok };
  }
}
