/**
 * The CNF as one layer (the `Bijector` of ../bijector.ts): the time-1 map of dx/dt = grad Φ_θ(x, t),
 * integrated by the fixed-step manifold RK4 of rk4.ts, with the density change of the chosen mode:
 *
 * - 'exact': forward logdet = Σ_k log|det dS_k(x_k)|, the Jacobian of the discrete map that was
 *   actually applied (float64 per step, cnf/exact.ts); inverse by Newton's method on every step,
 *   ok = every inversion converged. This is what an MCMC proposal must use.
 * - 'divergence': forward logdet = ∫₀¹ ΔΦ(x_t, t) dt (RK4 quadrature on the same stages),
 *   differentiable w.r.t. θ; inverse by integrating the same scheme backward (only approximately the
 *   inverse of the forward discrete map). For training and data NLL.
 * - 'hybrid' (and 'exact' under a gradient tape): forward returns the exact value with the θ-gradient
 *   of the divergence estimate (they differ by O(h⁴)); inverse as 'divergence'.
 *
 * Context: where Φ has one (PotentialSpec.contextDim > 0, e.g. a conditioner's output in a coupling
 * layer), every call passes c [B, contextDim], constant along the trajectory; a potential without
 * one refuses it (Potential.checkContext).
 */
import { tf } from '../../backend/index.ts';
import type { Bijector, BijectorForward, BijectorInverse } from '../bijector.ts';
import type { Potential } from './potential.ts';
import { rk4Step, type Geometry, type StepResult as StepOut } from './rk4.ts';
import { exactStep, sphereTangentBasis } from './exact.ts';

/**
 * 'exact': density of the discrete map (proposal use); 'divergence': continuous-time density
 * (training, data NLL); 'hybrid': `sample` returns the exact value of log q but carries the θ-gradient
 * of the divergence estimate (they differ by O(h⁴)), and `logProb` is the continuous-time density —
 * for training loops whose final evaluation must see the map actually applied.
 */
export type CNFMode = 'exact' | 'divergence' | 'hybrid';

export class CNFLayer implements Bijector<tf.Tensor2D, tf.Tensor2D> {
  constructor(
    readonly potential: Potential,
    readonly geometry: Geometry,
    readonly steps: number,
    readonly mode: CNFMode = 'exact',
    /** rows per tfjs batch of the exact forward (bounds memory of the exact Jacobians) */
    readonly chunk = 4096,
    /**
     * What 'exact' computes under a gradient tape: 'exact' (default) the exact value with the
     * divergence's θ-gradient, as 'hybrid'; 'divergence' the continuous-time estimate, value and
     * gradient, forward and inverse (no float64 Jacobians, ≈ 3× cheaper) — for a layer inside a
     * larger flow whose training figures may be O(h⁴) off while its draws keep the exact density.
     */
    readonly tapedValue: 'exact' | 'divergence' = 'exact',
  ) {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`CNF: steps must be a positive integer, got ${steps}`);
  }

  get variables(): tf.Variable[] {
    return this.potential.weights;
  }

  private get h(): number {
    return 1 / this.steps;
  }

  forward(x: tf.Tensor2D, context?: tf.Tensor2D): BijectorForward<tf.Tensor2D> {
    this.potential.checkContext(x.shape[0], context);
    if (this.mode === 'divergence') return withFiniteOk(this.forwardDivergence(x, context));
    // Under a gradient tape (a training loop) 'exact' behaves as 'hybrid': the value stays the exact
    // discrete-map log-det, and θ-gradients come from the divergence (the exact Jacobians are not
    // differentiable), instead of silently giving no gradient at all.
    const taped = isTaped();
    if (taped && this.tapedValue === 'divergence') return withFiniteOk(this.forwardDivergence(x, context));
    if (this.mode === 'hybrid' || taped) {
      const { y, logdet: ldiv } = this.forwardDivergence(x, context);
      const ex = this.forwardExact64(x, context);
      ex.y.dispose();
      const d = ldiv.dataSync();
      // a constant (off the tape) correction: value = exact log-det, gradient = that of the divergence
      const corr = tf.tensor1d(Float32Array.from(ex.logdet, (v, i) => v - d[i]));
      const logdet = tf.add(ldiv, corr) as tf.Tensor1D;
      tf.dispose([ldiv, corr]);
      return withFiniteOk({ y, logdet });
    }
    const n = x.shape[0];
    const ys: tf.Tensor2D[] = [];
    const ls: Float64Array[] = [];
    for (let s = 0; s < n; s += this.chunk) {
      const part = n <= this.chunk ? x : (tf.slice(x, [s, 0], [Math.min(this.chunk, n - s), -1]) as tf.Tensor2D);
      const cpart = !context || n <= this.chunk ? context : (tf.slice(context, [s, 0], [part.shape[0], -1]) as tf.Tensor2D);
      const r = this.forwardExact64(part, cpart);
      if (part !== x) part.dispose();
      if (cpart !== context) cpart?.dispose();
      ys.push(r.y === x ? (x.clone() as tf.Tensor2D) : r.y);
      ls.push(r.logdet);
    }
    const y = ys.length === 1 ? ys[0] : (tf.concat(ys, 0) as tf.Tensor2D);
    if (ys.length > 1) tf.dispose(ys);
    const all = new Float32Array(n);
    let o = 0;
    for (const l of ls) for (const v of l) all[o++] = v;
    return withFiniteOk({ y, logdet: tf.tensor1d(all) });
  }

  /** Forward with log-det = ∫₀¹ ΔΦ dt, a tensor that carries θ-gradients. */
  forwardDivergence(x0: tf.Tensor2D, ctx?: tf.Tensor2D): { y: tf.Tensor2D; logdet: tf.Tensor1D } {
    let x = x0;
    const ints: tf.Tensor1D[] = [];
    // tidy per step: stage intermediates are freed at once (a gradient tape keeps what it needs)
    for (let k = 0; k < this.steps; k++) {
      const r = tf.tidy(() => rk4Step(this.potential, this.geometry, x, k * this.h, this.h, true, false, ctx) as unknown as tf.TensorContainer) as unknown as StepOut;
      if (x !== x0) x.dispose();
      x = r.x;
      ints.push(r.divInt!);
    }
    const logdet = tf.tidy(() => tf.addN(ints) as tf.Tensor1D);
    tf.dispose(ints);
    return { y: x, logdet };
  }

  /** Forward with the exact float64 log|det| of the discrete map (not differentiable). */
  forwardExact64(x0: tf.Tensor2D, ctx?: tf.Tensor2D): { y: tf.Tensor2D; logdet: Float64Array } {
    const B = x0.shape[0];
    const acc = new Float64Array(B);
    let x = x0;
    for (let k = 0; k < this.steps; k++) {
      const r = exactStep(this.potential, this.geometry, x, k * this.h, this.h, ctx);
      if (x !== x0) x.dispose();
      x = r.x;
      for (let b = 0; b < B; b++) acc[b] += r.logdet[b];
    }
    return { y: x, logdet: acc };
  }

  inverse(y: tf.Tensor2D, context?: tf.Tensor2D): BijectorInverse<tf.Tensor2D> {
    this.potential.checkContext(y.shape[0], context);
    if (this.mode !== 'exact' || (this.tapedValue === 'divergence' && isTaped())) return withFiniteOk(this.inverseDivergence(y, context));
    const r = this.inverseExact64(y, context);
    return { x: r.x, logdet: tf.tensor1d(Float32Array.from(r.logdet)), ok: tf.tensor1d(Float32Array.from(r.ok)) };
  }

  /** Backward integration of the same scheme; log-det = Σ backward increments = −∫₀¹ ΔΦ dt (differentiable). */
  inverseDivergence(x1: tf.Tensor2D, ctx?: tf.Tensor2D): { x: tf.Tensor2D; logdet: tf.Tensor1D } {
    let x = x1;
    const ints: tf.Tensor1D[] = [];
    for (let k = this.steps - 1; k >= 0; k--) {
      const r = tf.tidy(() => rk4Step(this.potential, this.geometry, x, (k + 1) * this.h, -this.h, true, false, ctx) as unknown as tf.TensorContainer) as unknown as StepOut;
      if (x !== x1) x.dispose();
      x = r.x;
      ints.push(r.divInt!);
    }
    const logdet = tf.tidy(() => tf.addN(ints) as tf.Tensor1D);
    tf.dispose(ints);
    return { x: x === x1 ? (x1.clone() as tf.Tensor2D) : x, logdet };
  }

  /**
   * Exact inverse of the forward discrete map at y: every step is inverted by Newton's method in
   * tangent coordinates, started from the backward step; log-det = −Σ_k log|det dS_k| in float64.
   * `ok` = all inversions converged to `tol` (residual, in radians) within `maxIter` iterations and
   * no step's Jacobian determinant was ≤ 0 (a fold of the discrete map, cnf/exact.ts).
   */
  inverseExact64(y: tf.Tensor2D, ctx?: tf.Tensor2D, tol = 2e-5, maxIter = 12): { x: tf.Tensor2D; logdet: Float64Array; ok: Uint8Array } {
    const B = y.shape[0];
    const A = y.shape[1];
    const m = this.geometry.kind === 'flat' ? A : A - 1; // exactStep's Jacobian: ambient or tangent
    const acc = new Float64Array(B);
    const ok = new Uint8Array(B).fill(1);
    let target = y.clone() as tf.Tensor2D;
    for (let k = this.steps - 1; k >= 0; k--) {
      const t = k * this.h;
      let z = tf.tidy(() => rk4Step(this.potential, this.geometry, target, t + this.h, -this.h, false, false, ctx).x);
      const conv = new Uint8Array(B);
      let logdet: Float64Array = new Float64Array(B);
      for (let it = 0; it <= maxIter; it++) {
        const r = exactStep(this.potential, this.geometry, z, t, this.h, ctx);
        logdet = r.logdet;
        const sz = r.x.arraySync() as number[][];
        r.x.dispose();
        const tg = target.arraySync() as number[][];
        const zz = z.arraySync() as number[][];
        let allConv = true;
        const next = zz.map((zr, b) => {
          const J = r.jac.subarray(b * m * m, (b + 1) * m * m);
          const step = this.newtonUpdate(zr, sz[b], tg[b], J);
          conv[b] = step.residual < tol ? 1 : 0;
          if (!conv[b]) allConv = false;
          return step.z;
        });
        if (allConv || it === maxIter) break;
        z.dispose();
        z = tf.tensor2d(next, [B, A]);
      }
      for (let b = 0; b < B; b++) {
        acc[b] -= logdet[b];
        if (!conv[b] || !Number.isFinite(logdet[b])) ok[b] = 0;
      }
      target.dispose();
      target = z;
    }
    return { x: target, logdet: acc, ok };
  }

  /**
   * One Newton update of z so that S(z) = y, given S(z) and exactStep's Jacobian J at z: ambient on a
   * flat torus, on a sphere the tangent map from the basis at z to the basis at S(z).
   */
  private newtonUpdate(z: number[], sz: number[], y: number[], J: Float64Array): { z: number[]; residual: number } {
    const A = z.length;
    if (this.geometry.kind === 'flat') {
      const r = y.map((v, i) => {
        const d = v - sz[i];
        return d - 2 * Math.PI * Math.round(d / (2 * Math.PI));
      });
      const res = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
      const dz = solve(Array.from(J), r, A);
      return { z: z.map((v, i) => v + dz[i]), residual: res };
    }
    // Sphere: residual log_{S(z)}(y) in a basis of T_{S(z)}, correction in a basis of T_z.
    const n = A - 1;
    const Ez = sphereTangentBasis(z);
    const Es = sphereTangentBasis(sz); // the basis exactStep's J maps into
    const cosd = y.reduce((s, v, i) => s + v * sz[i], 0);
    const perp = y.map((v, i) => v - cosd * sz[i]);
    const pn = Math.sqrt(perp.reduce((s, v) => s + v * v, 0));
    // atan2, not acos: acos loses half the digits near 0 (√ε ≈ 3e-4 rad in float32 inputs)
    const ang = Math.atan2(pn, cosd);
    const logv = pn > 0 ? perp.map((v) => (v * ang) / pn) : perp.map(() => 0);
    const r = Es.map((e) => e.reduce((s, v, i) => s + v * logv[i], 0));
    const d = solve(Array.from(J), r, n);
    const v = new Array(A).fill(0);
    for (let q = 0; q < n; q++) for (let k = 0; k < A; k++) v[k] += d[q] * Ez[q][k];
    const vn = Math.sqrt(v.reduce((s, w) => s + w * w, 0));
    const zn = vn > 0 ? z.map((zk, k) => Math.cos(vn) * zk + (Math.sin(vn) * v[k]) / vn) : z.slice();
    const nz = Math.sqrt(zn.reduce((s, w) => s + w * w, 0));
    return { z: zn.map((w) => w / nz), residual: ang };
  }

}

/** Inside a gradient tape (tf.grad, variableGrads), where the exact float64 Jacobians cannot be differentiated. */
function isTaped(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** ok = 1 where the log-det is finite. */
function withFiniteOk<T extends { logdet: tf.Tensor1D }>(r: T): T & { ok: tf.Tensor1D } {
  return { ...r, ok: tf.tidy(() => tf.isFinite(r.logdet).cast('float32') as tf.Tensor1D) };
}

/** Solve the small dense system M x = r (row-major n×n) by Gaussian elimination in float64. */
function solve(M: number[], r: number[], n: number): number[] {
  const a = M.slice();
  const b = r.slice();
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
      [b[k], b[p]] = [b[p], b[k]];
    }
    const piv = a[k * n + k] || 1e-30;
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / piv;
      for (let j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
      b[i] -= f * b[k];
    }
  }
  const x = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= a[i * n + j] * x[j];
    x[i] = s / (a[i * n + i] || 1e-30);
  }
  return x;
}

