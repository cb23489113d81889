/**
 * Continuous normalizing flow on a manifold (DESIGN §4): dx/dt = grad Φ_θ(x, t), t ∈ [0, 1], from
 * the uniform base, integrated by the fixed-step manifold RK4 of rk4.ts.
 *
 * Two density modes:
 * - 'divergence': log q(x₁) = log π(x₀) − ∫₀¹ ΔΦ(x_t, t) dt (RK4 quadrature on the same stages) — the
 *   continuous-time density, differentiable w.r.t. θ, used for training (reverse KL and maximum
 *   likelihood) and for test NLL of data, as in the literature.
 * - 'exact': log q(x_N) = log π(x₀) − Σ_k log|det dS_k(x_k)|, the density of the discrete map that
 *   was actually applied. `sample` in this mode is what an MCMC proposal must use. The exact
 *   Jacobians are not differentiable w.r.t. θ; called under a gradient tape, `sample` returns the
 *   same exact values with the θ-gradient of the divergence estimate (see 'hybrid').
 *
 * `logProb` in 'divergence' mode integrates the same scheme backward (only approximately the
 * inverse of the forward discrete map); in 'exact' mode it inverts every forward step by Newton's
 * method (started from the backward step) and uses the exact step Jacobians, so it is the density
 * of the forward discrete map up to the solver tolerance (`logProbExact` also reports convergence).
 */
import { tf } from '../../backend/index.ts';
import type { Manifold } from '../../manifolds/types.ts';
import type { Flow } from '../types.ts';
import { Potential, type Activation, type FeatureSpec, type PotentialSpec } from './potential.ts';
import { rk4Step, type Geometry, type StepResult as StepOut } from './rk4.ts';
import { exactStep, logAbsDet, sphereTangentBasis } from './exact.ts';
import { defaultFeatures, geometryOf, invariantFeatures, randomFourierFeatures, type Symmetry } from './geometry.ts';

/**
 * 'exact': density of the discrete map (proposal use); 'divergence': continuous-time density
 * (training, data NLL); 'hybrid': `sample` returns the exact value of log q but carries the θ-gradient
 * of the divergence estimate (they differ by O(h⁴)), and `logProb` is the continuous-time density —
 * for training loops whose final evaluation must see the map actually applied.
 */
export type CNFMode = 'exact' | 'divergence' | 'hybrid';

export interface CNFOptions {
  hidden?: number[];
  activation?: Activation;
  /** RK4 steps on [0, 1] */
  steps?: number;
  /** largest Fourier frequency for the torus features (power sums up to this order on the maximal torus) */
  frequencies?: number;
  symmetry?: Symmetry;
  /** generic invariance: Φ depends on x only through the given integer combinations (rows) — features cos/sin(k r·x), k = 1..frequencies */
  invariantDirections?: number[][];
  features?: FeatureSpec;
  /** sphere: random Fourier features cos/sin(ω·x), `count` directions per scale |ω| ∈ scales (instead of x itself) */
  randomFeatures?: { count: number; scales: number[] };
  /** harmonics of the time features of Φ (see PotentialSpec) */
  timeHarmonics?: number;
  mode?: CNFMode;
  /** rows per tfjs batch in sample/logProb (bounds memory of the exact Jacobians) */
  chunk?: number;
}

export interface CNFJSON {
  type: 'cnf';
  manifold: string;
  steps: number;
  mode: CNFMode;
  symmetry?: Symmetry;
  potential: { spec: PotentialSpec; weights: number[][] };
}

export class CNF implements Flow {
  readonly manifold: Manifold;
  readonly potential: Potential;
  readonly geometry: Geometry;
  readonly steps: number;
  readonly mode: CNFMode;
  readonly chunk: number;
  readonly symmetry?: Symmetry;

  constructor(manifold: Manifold, rng: () => number, opts: CNFOptions = {}, shared?: Potential) {
    const steps = opts.steps ?? 8;
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`CNF: steps must be a positive integer, got ${steps}`);
    this.manifold = manifold;
    this.geometry = geometryOf(manifold);
    this.steps = steps;
    this.mode = opts.mode ?? 'exact';
    this.chunk = opts.chunk ?? 4096;
    this.symmetry = opts.symmetry;
    this.potential =
      shared ??
      new Potential(
        {
          features:
            opts.features ??
            (opts.randomFeatures
              ? randomFourierFeatures(manifold.ambientDim, opts.randomFeatures.count, opts.randomFeatures.scales, rng)
              : opts.invariantDirections
                ? invariantFeatures(manifold, opts.invariantDirections, opts.frequencies ?? 3)
                : defaultFeatures(manifold, opts.frequencies ?? 3, opts.symmetry)),
          hidden: opts.hidden ?? [32, 32],
          activation: opts.activation ?? 'tanh',
          timeHarmonics: opts.timeHarmonics ?? 0,
        },
        rng,
      );
  }

  /** The same flow (shared parameters) with another density mode or step count. */
  with(o: { mode?: CNFMode; steps?: number }): CNF {
    return new CNF(this.manifold, () => 0, { steps: o.steps ?? this.steps, mode: o.mode ?? this.mode, chunk: this.chunk, symmetry: this.symmetry }, this.potential);
  }

  get variables(): tf.Variable[] {
    return this.potential.weights;
  }

  private get h(): number {
    return 1 / this.steps;
  }

  /** Push base points x₀ to x₁; logq in the flow's mode (divergence: a tensor that carries gradients). */
  push(x0: tf.Tensor2D, mode: CNFMode = this.mode): { x: tf.Tensor2D; logq: tf.Tensor1D } {
    const base = -this.manifold.logVolume;
    if (mode === 'divergence') {
      let x = x0;
      const ints: tf.Tensor1D[] = [];
      // tidy per step: stage intermediates are freed at once (a gradient tape keeps what it needs)
      for (let k = 0; k < this.steps; k++) {
        const r = tf.tidy(() => rk4Step(this.potential, this.geometry, x, k * this.h, this.h, true) as unknown as tf.TensorContainer) as unknown as StepOut;
        if (x !== x0) x.dispose();
        x = r.x;
        ints.push(r.divInt!);
      }
      const logq = tf.tidy(() => tf.sub(base, tf.addN(ints)) as tf.Tensor1D);
      tf.dispose(ints);
      return { x, logq };
    }
    const { x, logq } = this.pushExact64(x0);
    return { x: x === x0 ? (x0.clone() as tf.Tensor2D) : x, logq: tf.tensor1d(Float32Array.from(logq)) };
  }

  /** Float64 exact log q of the points pushed from x₀ (for importance weights). */
  pushExact64(x0: tf.Tensor2D): { x: tf.Tensor2D; logq: Float64Array } {
    const B = x0.shape[0];
    const acc = new Float64Array(B).fill(-this.manifold.logVolume);
    let x = x0;
    for (let k = 0; k < this.steps; k++) {
      const r = exactStep(this.potential, this.geometry, x, k * this.h, this.h);
      if (x !== x0) x.dispose();
      x = r.x;
      for (let b = 0; b < B; b++) acc[b] -= r.logdet[b];
    }
    return { x, logq: acc };
  }

  sample(n: number, rng: () => number): { x: tf.Tensor2D; logq: tf.Tensor1D; ok: tf.Tensor1D } {
    const x0 = this.manifold.sampleUniform(n, rng);
    if (this.mode === 'divergence') {
      const { x, logq } = this.push(x0, 'divergence');
      return { x, logq, ok: tf.isFinite(logq).cast('float32') as tf.Tensor1D };
    }
    // Under a gradient tape (a training loop) 'exact' behaves as 'hybrid': the value stays the exact
    // discrete-map log q, and θ-gradients come from the divergence (the exact Jacobians are not
    // differentiable), instead of silently giving no gradient at all.
    const taped = (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
    if (this.mode === 'hybrid' || taped) {
      const { x, logq: ldiv } = this.push(x0, 'divergence');
      const ex = this.pushExact64(x0);
      ex.x.dispose();
      const d = ldiv.dataSync();
      // a constant (off the tape) correction: value = exact log q, gradient = that of the divergence
      const corr = tf.tensor1d(Float32Array.from(ex.logq, (v, i) => v - d[i]));
      const logq = tf.add(ldiv, corr) as tf.Tensor1D;
      return { x, logq, ok: tf.isFinite(logq).cast('float32') as tf.Tensor1D };
    }
    const xs: tf.Tensor2D[] = [];
    const ls: tf.Tensor1D[] = [];
    for (let s = 0; s < n; s += this.chunk) {
      const part = tf.slice(x0, [s, 0], [Math.min(this.chunk, n - s), -1]) as tf.Tensor2D;
      const r = this.push(part, 'exact');
      part.dispose();
      xs.push(r.x);
      ls.push(r.logq);
    }
    x0.dispose();
    const x = xs.length === 1 ? xs[0] : (tf.concat(xs, 0) as tf.Tensor2D);
    const logq = ls.length === 1 ? ls[0] : (tf.concat(ls, 0) as tf.Tensor1D);
    if (xs.length > 1) [...xs, ...ls].forEach((t) => t.dispose());
    return { x, logq, ok: tf.tidy(() => tf.isFinite(logq).cast('float32') as tf.Tensor1D) };
  }

  /** Continuous-time log-density by backward integration with the divergence (differentiable). */
  logProbDivergence(x1: tf.Tensor2D): tf.Tensor1D {
    let x = x1;
    const ints: tf.Tensor1D[] = [];
    for (let k = this.steps - 1; k >= 0; k--) {
      const r = tf.tidy(() => rk4Step(this.potential, this.geometry, x, (k + 1) * this.h, -this.h, true) as unknown as tf.TensorContainer) as unknown as StepOut;
      if (x !== x1) x.dispose();
      x = r.x;
      ints.push(r.divInt!);
    }
    x.dispose();
    // Σ backward increments = −∫₀¹ ΔΦ dt
    const lq = tf.tidy(() => tf.add(-this.manifold.logVolume, tf.addN(ints)) as tf.Tensor1D);
    tf.dispose(ints);
    return lq;
  }

  /**
   * Exact log-density of the forward discrete map at y: every step is inverted by Newton's method
   * in tangent coordinates, started from the backward step. `ok` = all inversions converged to
   * `tol` (residual, in radians) within `maxIter` iterations.
   */
  logProbExact(y: tf.Tensor2D, tol = 2e-5, maxIter = 12): { logq: Float64Array; ok: Uint8Array; x0: tf.Tensor2D } {
    const B = y.shape[0];
    const A = y.shape[1];
    const acc = new Float64Array(B).fill(-this.manifold.logVolume);
    const ok = new Uint8Array(B).fill(1);
    let target = y.clone() as tf.Tensor2D;
    for (let k = this.steps - 1; k >= 0; k--) {
      const t = k * this.h;
      let z = tf.tidy(() => rk4Step(this.potential, this.geometry, target, t + this.h, -this.h, false).x);
      const conv = new Uint8Array(B);
      let logdet: Float64Array = new Float64Array(B);
      for (let it = 0; it <= maxIter; it++) {
        const r = exactStep(this.potential, this.geometry, z, t, this.h);
        logdet = r.logdet;
        const sz = r.x.arraySync() as number[][];
        r.x.dispose();
        const tg = target.arraySync() as number[][];
        const zz = z.arraySync() as number[][];
        let allConv = true;
        const next = zz.map((zr, b) => {
          const J = r.jac.subarray(b * A * A, (b + 1) * A * A);
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
        if (!conv[b]) ok[b] = 0;
      }
      target.dispose();
      target = z;
    }
    return { logq: acc, ok, x0: target };
  }

  /** One Newton update of z so that S(z) = y, given S(z) and the ambient Jacobian J. */
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
    const Es = sphereTangentBasis(sz);
    const cosd = y.reduce((s, v, i) => s + v * sz[i], 0);
    const perp = y.map((v, i) => v - cosd * sz[i]);
    const pn = Math.sqrt(perp.reduce((s, v) => s + v * v, 0));
    // atan2, not acos: acos loses half the digits near 0 (√ε ≈ 3e-4 rad in float32 inputs)
    const ang = Math.atan2(pn, cosd);
    const logv = pn > 0 ? perp.map((v) => (v * ang) / pn) : perp.map(() => 0);
    const r = Es.map((e) => e.reduce((s, v, i) => s + v * logv[i], 0));
    const M: number[] = [];
    for (let p = 0; p < n; p++)
      for (let q = 0; q < n; q++) {
        let s = 0;
        for (let i = 0; i < A; i++) for (let k = 0; k < A; k++) s += Es[p][i] * J[i * A + k] * Ez[q][k];
        M.push(s);
      }
    const d = solve(M, r, n);
    const v = new Array(A).fill(0);
    for (let q = 0; q < n; q++) for (let k = 0; k < A; k++) v[k] += d[q] * Ez[q][k];
    const vn = Math.sqrt(v.reduce((s, w) => s + w * w, 0));
    const zn = vn > 0 ? z.map((zk, k) => Math.cos(vn) * zk + (Math.sin(vn) * v[k]) / vn) : z.slice();
    const nz = Math.sqrt(zn.reduce((s, w) => s + w * w, 0));
    return { z: zn.map((w) => w / nz), residual: ang };
  }

  /** logProb in the flow's mode: 'divergence'/'hybrid' = continuous-time density (backward integration, differentiable); 'exact' = Newton-inverted discrete map. */
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    if (this.mode !== 'exact') return this.logProbDivergence(x);
    const { logq, ok, x0 } = this.logProbExact(x);
    x0.dispose();
    return tf.tensor1d(Float32Array.from(logq, (v, i) => (ok[i] ? v : NaN)));
  }

  toJSON(): CNFJSON {
    // a saved model is a proposal: 'hybrid' (a training device) is stored as 'exact'
    const mode = this.mode === 'hybrid' ? 'exact' : this.mode;
    return { type: 'cnf', manifold: this.manifold.name, steps: this.steps, mode, symmetry: this.symmetry, potential: this.potential.toJSON() };
  }

  static fromJSON(json: CNFJSON, manifold: Manifold): CNF {
    if (json.type !== 'cnf') throw new Error(`CNF.fromJSON: payload type is '${json.type}', expected 'cnf'`);
    if (json.manifold !== manifold.name) throw new Error(`CNF.fromJSON: model is for '${json.manifold}', given manifold '${manifold.name}'`);
    const pot = new Potential(json.potential.spec, () => 0.5, json.potential.weights);
    return new CNF(manifold, () => 0, { steps: json.steps, mode: json.mode, symmetry: json.symmetry }, pot);
  }
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

export { logAbsDet };
