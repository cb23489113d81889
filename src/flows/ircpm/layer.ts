/**
 * Implicit Riemannian Concave Potential Map (docs/design.md, "Implicit Riemannian Concave Potential
 * Maps (IRCPM)"): one layer f(x) = argmin_y ½d(x,y)² + ψ(y).
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
 * - The layer is a `Bijector` (../bijector.ts): forward = f with logdet = −log|det J_g(f(x))|, inverse
 *   = g with logdet = +log|det J_g(y)|. An optional context [B, contextDim] is passed to ψ(·; c) for
 *   every sample (the solve, the density and the gradients, which also flow back into c).
 */
import { tf } from '../../backend/index.ts';
import type { Manifold } from '../../manifolds/types.ts';
import type { Bijector, BijectorForward, BijectorInverse } from '../bijector.ts';
import type { Potential } from '../potentials.ts';
import { ircpmGeometry, type IRCPMGeometry } from './geometry.ts';
import { det, logAbsDet, solve } from '../logdet.ts';

export interface SolverOptions {
  /** residual d(g(y), x) below which a sample counts as converged */
  tol?: number;
  maxIter?: number;
  /** longest Newton step (geodesic length); longer proposals are scaled down */
  maxStep?: number;
  /** step multiples t of the restarts y = exp_x(−t grad ψ(x)) for samples that failed (default [1, 0.5, 2]) */
  restarts?: number[];
}

export interface SolveResult {
  y: tf.Tensor2D;
  /** 1 where the sample converged and det J_g(y) > 0 */
  ok: Float32Array;
  residual: Float32Array;
  iterations: number;
  /** at the returned y: tangent Jacobian M [B·d·d], frames E_y and E_{g(y)} [B·d·m] */
  M: Float32Array;
  Ey: Float32Array;
  Ex: Float32Array;
}

export class IRCPMLayer implements Bijector<tf.Tensor2D, tf.Tensor2D> {
  readonly geometry: IRCPMGeometry;
  readonly tol: number;
  readonly maxIter: number;
  readonly maxStep: number;
  readonly restarts: number[];

  constructor(readonly manifold: Manifold, readonly potential: Potential, opts: SolverOptions = {}) {
    this.geometry = ircpmGeometry(manifold);
    if (potential.inputDim !== manifold.ambientDim) {
      throw new Error(`IRCPM: potential takes ${potential.inputDim} coordinates but ${manifold.name} has ${manifold.ambientDim}`);
    }
    this.tol = opts.tol ?? 1e-5;
    this.maxIter = opts.maxIter ?? 60;
    this.maxStep = opts.maxStep ?? 1.0;
    this.restarts = opts.restarts ?? [1, 0.5, 2];
  }

  get variables(): tf.Variable[] {
    return this.potential.variables;
  }

  /**
   * g(y) and log|det J_g(y)| — explicit and differentiable in y, θ and the context. `ok` is 1 for
   * every sample: the explicit map needs no solve (whether y is in the image of a certified forward
   * step is the forward's `ok`).
   */
  inverse(y: tf.Tensor2D, context?: tf.Tensor2D): BijectorInverse<tf.Tensor2D> {
    return tf.tidy(() => {
      const ex = this.geometry.explicit(y, this.potential, context);
      return { x: ex.x, logdet: logAbsDet(ex.M), ok: tf.ones([y.shape[0]]) as tf.Tensor1D };
    });
  }

  /** log|det J_g(y)| and the sign of det J_g(y) (positive for a strict local minimum). */
  logdetAt(y: tf.Tensor2D, context?: tf.Tensor2D): { logdet: tf.Tensor1D; positive: tf.Tensor1D } {
    return tf.tidy(() => {
      const ex = this.geometry.explicit(y, this.potential, context);
      return { logdet: logAbsDet(ex.M), positive: tf.cast(tf.greater(det(ex.M), 0), 'float32') as tf.Tensor1D };
    });
  }

  /**
   * Inner solve, not differentiable (use `forward` for gradients). The per-sample state lives in JS
   * arrays and each iteration evaluates ψ only on the samples still active, so a few slow samples do
   * not make the whole batch pay for their extra iterations.
   */
  solve(x: tf.Tensor2D, context?: tf.Tensor2D): SolveResult {
    const res = this.newton(x, x, context);
    const [B, m] = x.shape;
    const d = this.manifold.dim;
    // Newton on g(y) = x can end on a saddle of h(x, ·) (det J_g < 0) or stall. Such samples get up to
    // `restarts` more tries from starting points that are fixed functions of x, y = exp_x(−t grad ψ(x)),
    // so the sampler stays a deterministic map of x and log q stays exact at every ok point.
    for (const t of this.restarts) {
      const bad: number[] = [];
      for (let i = 0; i < B; i++) if (!res.ok[i]) bad.push(i);
      if (bad.length === 0) break;
      const idx = tf.tensor1d(bad, 'int32');
      const xb = tf.gather(x, idx) as tf.Tensor2D;
      const cb = context ? (tf.gather(context, idx) as tf.Tensor2D) : undefined;
      const start = tf.tidy(() => {
        const gx = this.geometry.explicitPoint(xb, this.potential, cb).x;
        return this.manifold.exp(xb, tf.mul(-t, this.manifold.log(xb, gx)) as tf.Tensor2D);
      });
      const r2 = this.newton(xb, start, cb);
      const y2 = r2.y.dataSync();
      const yAll = res.y.dataSync().slice() as Float32Array;
      bad.forEach((i, k) => {
        if (!r2.ok[k]) return;
        res.ok[i] = 1;
        res.residual[i] = r2.residual[k];
        for (let j = 0; j < m; j++) yAll[i * m + j] = y2[k * m + j];
        for (let j = 0; j < d * d; j++) res.M[i * d * d + j] = r2.M[k * d * d + j];
        for (let j = 0; j < d * m; j++) res.Ey[i * d * m + j] = r2.Ey[k * d * m + j];
        for (let j = 0; j < d * m; j++) res.Ex[i * d * m + j] = r2.Ex[k * d * m + j];
      });
      res.iterations += r2.iterations;
      tf.dispose([idx, xb, start, r2.y, res.y]);
      cb?.dispose();
      res.y = tf.tensor2d(yAll, [B, m]);
    }
    return res;
  }

  private newton(x: tf.Tensor2D, yStart: tf.Tensor2D, context?: tf.Tensor2D): SolveResult {
    const [B, m] = x.shape;
    const d = this.manifold.dim;
    const geo = this.geometry;
    const psi = this.potential;
    const stopTol = this.tol / 10;
    const C = context ? context.shape[1] : 0;
    const cArr = context?.dataSync();
    const evalAt = (y: tf.Tensor2D, xs: tf.Tensor2D, cs?: tf.Tensor2D) =>
      tf.tidy(() => {
        const ex = geo.explicit(y, psi, cs);
        const r = geo.residual(xs, ex);
        const merit = tf.norm(r, 2, 1);
        const dir = solve(ex.M, r);
        // the Newton direction, capped in length for robustness far from the solution
        const len = tf.norm(geo.fromFrame(ex.Ey, dir), 2, 1, true);
        const capped = tf.mul(dir, tf.minimum(1, tf.div(this.maxStep, tf.add(len, 1e-12))));
        return [merit, capped, ex.Ey, det(ex.M), ex.M, ex.Ex].map((t) => t.dataSync() as Float32Array);
      });
    const yArr = yStart.dataSync().slice() as Float32Array;
    const [merit, dir, Ey, detM, Mj, Ex] = evalAt(yStart, x, context).map((a) => a.slice() as Float32Array);
    const alpha = new Float32Array(B).fill(1);
    const xArr = x.dataSync();
    let it = 0;
    for (; it < this.maxIter; it++) {
      const active: number[] = [];
      for (let i = 0; i < B; i++) if (merit[i] > stopTol && alpha[i] > 1e-4 && Number.isFinite(merit[i])) active.push(i);
      if (active.length === 0) break;
      const A = active.length;
      const pick = (src: ArrayLike<number>, w: number, scale?: Float32Array) => {
        const out = new Float32Array(A * w);
        active.forEach((i, k) => {
          for (let j = 0; j < w; j++) out[k * w + j] = src[i * w + j] * (scale ? scale[i] : 1);
        });
        return out;
      };
      const [mc, dc, Ec, detc, Mc, Exc, yc] = tf.tidy(() => {
        const yA = tf.tensor2d(pick(yArr, m), [A, m]);
        const xA = tf.tensor2d(pick(xArr, m), [A, m]);
        const EA = tf.tensor3d(pick(Ey, d * m), [A, d, m]);
        const cA = tf.tensor2d(pick(dir, d, alpha), [A, d]);
        const ctxA = cArr ? tf.tensor2d(pick(cArr, C), [A, C]) : undefined;
        const yNew = geo.step(yA, EA, cA);
        return [...evalAt(yNew, xA, ctxA), yNew.dataSync() as Float32Array];
      });
      active.forEach((i, k) => {
        if (mc[k] < merit[i]) {
          merit[i] = mc[k];
          detM[i] = detc[k];
          alpha[i] = 1;
          for (let j = 0; j < m; j++) yArr[i * m + j] = yc[k * m + j];
          for (let j = 0; j < d; j++) dir[i * d + j] = dc[k * d + j];
          for (let j = 0; j < d * m; j++) Ey[i * d * m + j] = Ec[k * d * m + j];
          for (let j = 0; j < d * m; j++) Ex[i * d * m + j] = Exc[k * d * m + j];
          for (let j = 0; j < d * d; j++) Mj[i * d * d + j] = Mc[k * d * d + j];
        } else {
          alpha[i] *= 0.5;
        }
      });
    }
    const ok = new Float32Array(B);
    for (let i = 0; i < B; i++) ok[i] = merit[i] < this.tol && detM[i] > 0 && Number.isFinite(merit[i]) ? 1 : 0;
    return { y: tf.tensor2d(yArr, [B, m]), ok, residual: merit, iterations: it, M: Mj, Ey, Ex };
  }

  /**
   * y = f(x) differentiable w.r.t. x and the potential's variables by the implicit function theorem,
   * plus log|det ∂y/∂x| = −log|det J_g(y)| at the returned point (differentiable as an explicit
   * function of y, θ) and `ok` (converged and det J_g(y) > 0).
   *
   * tfjs' tape is not re-entrant (a tf.grad called inside a customGrad gradient replaces and then
   * disposes the outer tape), so the vector–Jacobian product of g is taken by the outer tape itself:
   * g_θ(y₀) is evaluated on the tape at the detached solution y₀, and a customGrad op with inputs
   * (x, g_θ(y₀)) returns y₀ with backward ȳ ↦ (E_xᵀλ, −E_xᵀλ), J_gᵀλ = E_y ȳ; the outer tape then
   * carries −E_xᵀλ through g_θ to every parameter.
   */
  forward(x: tf.Tensor2D, context?: tf.Tensor2D): BijectorForward<tf.Tensor2D> {
    const [B, m] = x.shape;
    const d = this.manifold.dim;
    let res: SolveResult | null = null;
    // The solve itself runs inside a customGrad forward, which tfjs never records on the tape.
    const detachedSolve = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      res = this.solve(args[0] as tf.Tensor2D, context);
      return { value: res.y as tf.Tensor, gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
    });
    const y0 = detachedSolve(x) as tf.Tensor2D;
    const sol = res as unknown as SolveResult;
    // on the tape: g_θ(·; c) at fixed y₀ (the IFT gradient reaches θ and c through it)
    const gRaw = this.geometry.explicitPoint(y0, this.potential, context);
    const geo = this.geometry;
    const implicit = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      void args;
      return {
        value: tf.clone(y0) as tf.Tensor,
        gradFunc: (dy: tf.Tensor) =>
          tf.tidy(() => {
            const M = tf.tensor3d(sol.M, [B, d, d]);
            const Ey = tf.tensor3d(sol.Ey, [B, d, m]);
            const Ex = tf.tensor3d(sol.Ex, [B, d, m]);
            const lam = solve(tf.transpose(M, [0, 2, 1]) as tf.Tensor3D, geo.toFrame(Ey, dy as tf.Tensor2D));
            const lamAmb = geo.fromFrame(Ex, lam);
            return [lamAmb, tf.neg(lamAmb)];
          }),
      };
    });
    const y = implicit(x, gRaw.xRaw) as tf.Tensor2D;
    // log|det ∂y/∂x| = −log|det J_g(y)|
    const logdet = tf.tidy(() => tf.neg(logAbsDet(this.geometry.explicit(y, this.potential, context).M)) as tf.Tensor1D);
    tf.dispose([y0, gRaw.x, gRaw.xRaw]);
    return { y, logdet, ok: tf.tensor1d(sol.ok) };
  }
}
