/**
 * 'ncp' circle kernel, the published baseline of U(1) gauge flows (Kanwar et al. 2020, PRL 125
 * 121601; Albergo et al. 2021, "Introduction to normalizing flows for lattice field theory"):
 *
 *   f_s(x) = 2 atan(e^s tan(x/2)),  y = wrap( (1/M) Σ_m f_{s_m}(x) + t ).
 *
 * f_s fixes 0 and ±π and is an increasing diffeomorphism of the circle with
 * f_s′(x) = 1 / (e^{−s} cos²(x/2) + e^s sin²(x/2)), so the equal-weight mixture is too, and
 * log dy/dx = logsumexp_m(−log(e^{−s_m} cos² + e^{s_m} sin²)) − log M.
 *
 * Evaluated without the branch of tan at ±π: with u = x/2 and τ = tanh(s/2),
 *   f_s(x) = x + 2 atan( τ sin u cos u / (σ(−s) cos²u + σ(s) sin²u) )
 * (tan(f/2 − u) by the subtraction formula, divided by 1 + e^s; f/2 and u have the same sign and lie in
 * (−π/2, π/2), so the difference is in (−π/2, π/2) and atan is the right branch). The denominator is a
 * sum of positive terms, f_s − x is periodic and smooth on all of ℝ, and f_s(±π) = ±π exactly.
 *
 * Context row: (raw s_1..s_M, t). s_m = sMax · tanh(raw/sMax) keeps e^{±s} within float32's
 * comfortable range (sMax = 5: dy/dx between e^{−5} and e^5 per component); t is a rotation, any
 * real. The inverse has no closed form: a float64 root find (solve.ts) with an ok flag. Both
 * directions are evaluated in float64 and enter the tape as one op each (map-op.ts).
 */
import { tf } from '../../backend/index.ts';
import type { CircleKernel } from './kernel.ts';
import { checkKernelInput, checkSolverOptions } from './checks.ts';
import { solveMonotone, wrapAngle64 } from './solve.ts';
import { circleMapOp, type CircleMapJet } from './map-op.ts';

export interface NCPKernelJSON {
  kind: 'ncp';
  mixtures: number;
  sMax: number;
  tol: number;
  maxIter: number;
}

/**
 * Float64 evaluation of h(x) = x + (2/M) Σ_m atan(tan(f_m/2 − u)) + t for one raw context row (s_m =
 * sMax tanh(raw_m/sMax), t = wrap(raw_t)): its value, log h′, and (with `jet`) the derivatives
 * circleMapOp needs w.r.t. x and the raw row. With E_m = e^{−s} cos²u + e^{s} sin²u:
 * h′ = (1/M) Σ 1/E_m, ∂E/∂x = sinh(s) sin x, ∂E/∂s = e^{s} sin²u − e^{−s} cos²u, ∂h/∂s_m = sin x/(M E_m),
 * ∂h/∂t = 1.
 */
class NCPRows {
  /** e^{s_m} and ds_m/draw_m per row and mixture, computed once (the root find evaluates h many times) */
  private readonly expS: Float64Array;
  private readonly dsdr: Float64Array;

  constructor(
    private readonly raw: ArrayLike<number>,
    private readonly M: number,
    sMax: number,
  ) {
    const n = raw.length / (M + 1);
    this.expS = new Float64Array(n * M);
    this.dsdr = new Float64Array(n * M);
    for (let i = 0; i < n; i++) {
      for (let m = 0; m < M; m++) {
        const th = Math.tanh(raw[(M + 1) * i + m]! / sMax);
        this.expS[M * i + m] = Math.exp(sMax * th);
        this.dsdr[M * i + m] = 1 - th * th;
      }
    }
  }

  shift(i: number): number {
    return wrapAngle64(this.raw[(this.M + 1) * i + this.M]!);
  }

  /** out[0] = h(x) − t (the displacement included), out[1] = h′(x) */
  evaluate(i: number, x: number, out: Float64Array): void {
    const su = Math.sin(0.5 * x);
    const cu = Math.cos(0.5 * x);
    let disp = 0;
    let slope = 0;
    for (let m = 0; m < this.M; m++) {
      const e = this.expS[this.M * i + m]!;
      // tan(f/2 − u) = (e − 1) sin u cos u / (cos²u + e sin²u)
      disp += Math.atan(((e - 1) * su * cu) / (cu * cu + e * su * su));
      slope += e / (cu * cu + e * e * su * su);
    }
    out[0] = x + (2 * disp) / this.M;
    out[1] = slope / this.M;
  }

  jet: CircleMapJet = (i, x, out) => {
    const M = this.M;
    const P = M + 1;
    const su = Math.sin(0.5 * x);
    const cu = Math.cos(0.5 * x);
    const sx = Math.sin(x);
    let h1 = 0;
    let dh1dx = 0;
    for (let m = 0; m < M; m++) {
      const dsdr = this.dsdr[M * i + m]!;
      const ep = this.expS[M * i + m]!;
      const em = 1 / ep;
      const E = em * cu * cu + ep * su * su;
      h1 += 1 / E;
      dh1dx -= (0.5 * (ep - em) * sx) / (E * E);
      out[2 + m] = (sx / (M * E)) * dsdr;
      // ∂h′/∂s_m, divided by h′ below
      out[2 + P + m] = (-(ep * su * su - em * cu * cu) / (M * E * E)) * dsdr;
    }
    h1 /= M;
    dh1dx /= M;
    out[0] = h1;
    out[1] = dh1dx / h1;
    out[2 + M] = 1;
    for (let m = 0; m < M; m++) out[2 + P + m] = out[2 + P + m]! / h1;
    out[2 + P + M] = 0;
  };
}

export class NCPKernel implements CircleKernel {
  readonly kind = 'ncp' as const;
  readonly contextSize: number;
  readonly variables: tf.Variable[] = [];
  readonly mixtures: number;
  readonly sMax: number;
  readonly tol: number;
  readonly maxIter: number;
  /** largest number of solver updates in the last inverse call (diagnostic) */
  lastIterations = 0;

  constructor(cfg: Omit<NCPKernelJSON, 'kind'>) {
    const { mixtures, sMax, tol, maxIter } = cfg;
    if (!Number.isInteger(mixtures) || mixtures < 1) throw new Error(`ncp circle kernel: mixtures must be a positive integer, got ${mixtures}`);
    if (!(sMax > 0 && sMax <= 15)) throw new Error(`ncp circle kernel: sMax must be in (0, 15] (e^{±s} in float32), got ${sMax}`);
    checkSolverOptions('ncp', tol, maxIter);
    this.mixtures = mixtures;
    this.sMax = sMax;
    this.tol = tol;
    this.maxIter = maxIter;
    this.contextSize = mixtures + 1;
  }

  forward(theta: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('ncp', theta, context, this.contextSize)!; // contextSize ≥ 2: never null
    const n = theta.shape[0];
    const rows = new NCPRows(ctx.dataSync(), this.mixtures, this.sMax);
    const x = theta.dataSync();
    const points = Float64Array.from(x);
    const values = new Float32Array(2 * n);
    const hv = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      rows.evaluate(i, points[i]!, hv);
      values[i] = wrapAngle64(hv[0]! + rows.shift(i));
      values[n + i] = Math.log(hv[1]!);
    }
    return tf.tidy(() => {
      const { value: y, logdet } = circleMapOp(theta, ctx, values, points, 'explicit', rows.jet);
      return { y, logdet, ok: tf.onesLike(theta) as tf.Tensor1D };
    });
  }

  /** x = h⁻¹(wrap(y − t)) by the float64 root find on [−π, π] (h(±π) = ±π), with an ok flag. */
  inverse(y: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('ncp', y, context, this.contextSize)!;
    const n = y.shape[0];
    const rows = new NCPRows(ctx.dataSync(), this.mixtures, this.sMax);
    const yv = y.dataSync();
    const target = new Float64Array(n);
    for (let i = 0; i < n; i++) target[i] = wrapAngle64(yv[i]! - rows.shift(i));
    const lo = new Float64Array(n).fill(-Math.PI);
    const hi = new Float64Array(n).fill(Math.PI);
    const sol = solveMonotone((i, x, out) => rows.evaluate(i, x, out), target, lo, hi, target, { tol: this.tol, maxIter: this.maxIter });
    this.lastIterations = sol.iterations;
    const values = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      values[i] = wrapAngle64(sol.x[i]!);
      values[n + i] = -Math.log(sol.slope[i]!);
    }
    return tf.tidy(() => {
      const { value: x, logdet } = circleMapOp(y, ctx, values, sol.x, 'solved', rows.jet);
      return { x, logdet, ok: tf.tensor1d(sol.ok) };
    });
  }

  toJSON(): NCPKernelJSON {
    return { kind: 'ncp', mixtures: this.mixtures, sMax: this.sMax, tol: this.tol, maxIter: this.maxIter };
  }
}
