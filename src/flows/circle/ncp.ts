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
 * real. The inverse has no closed form: a float64 root find (solve.ts) with an ok flag.
 */
import { tf } from '../../backend/index.ts';
import { wrapAngle } from '../../manifolds/torus.ts';
import type { CircleKernel } from './kernel.ts';
import { checkKernelInput, checkSolverOptions } from './checks.ts';
import { solveMonotone, tangentOnly, wrapAngle64 } from './solve.ts';

export interface NCPKernelJSON {
  kind: 'ncp';
  mixtures: number;
  sMax: number;
  tol: number;
  maxIter: number;
}

/** (1/M) Σ_m 2 atan(ratio_m): the displacement f(x) − x, given sin u, cos u ([n, 1] or constants). */
function displacement(s: tf.Tensor2D, sinU: tf.Tensor, cosU: tf.Tensor): tf.Tensor1D {
  const num = tf.mul(tf.tanh(tf.mul(s, 0.5)), tf.mul(sinU, cosU));
  const den = tf.add(tf.mul(tf.sigmoid(tf.neg(s)), tf.square(cosU)), tf.mul(tf.sigmoid(s), tf.square(sinU)));
  return tf.mul(2, tf.mean(tf.atan(tf.div(num, den)), 1)) as tf.Tensor1D;
}

/** log dy/dx = logsumexp_m(−log(e^{−s} cos²u + e^{s} sin²u)) − log M. */
function logSlope(s: tf.Tensor2D, sinU: tf.Tensor, cosU: tf.Tensor): tf.Tensor1D {
  const M = s.shape[1];
  const den = tf.add(tf.mul(tf.exp(tf.neg(s)), tf.square(cosU)), tf.mul(tf.exp(s), tf.square(sinU)));
  return tf.sub(tf.logSumExp(tf.neg(tf.log(den)), 1), Math.log(M)) as tf.Tensor1D;
}

function halfAngle(x: tf.Tensor1D): { sinU: tf.Tensor2D; cosU: tf.Tensor2D } {
  const u = tf.reshape(tf.mul(x, 0.5), [-1, 1]);
  return { sinU: tf.sin(u) as tf.Tensor2D, cosU: tf.cos(u) as tf.Tensor2D };
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

  /** Squashed log-scales s [n, M] and the shift t [n] (wrapped to [−π, π)). */
  parameters(context: tf.Tensor2D): { s: tf.Tensor2D; t: tf.Tensor1D } {
    return tf.tidy(() => {
      const M = this.mixtures;
      const raw = tf.slice(context, [0, 0], [-1, M]);
      const s = tf.mul(this.sMax, tf.tanh(tf.div(raw, this.sMax))) as tf.Tensor2D;
      // wrapped first: x + displacement + t then stays within [−3π, 3π), where float32 resolves angles to 5e-7
      const t = wrapAngle(tf.reshape(tf.slice(context, [0, M], [-1, 1]), [-1])) as tf.Tensor1D;
      return { s, t };
    });
  }

  forward(theta: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('ncp', theta, context, this.contextSize)!; // contextSize ≥ 2: never null
    return tf.tidy(() => {
      const { s, t } = this.parameters(ctx);
      const { sinU, cosU } = halfAngle(theta);
      const y = wrapAngle(tf.add(tf.add(theta, displacement(s, sinU, cosU)), t)) as tf.Tensor1D;
      return { y, logdet: logSlope(s, sinU, cosU), ok: tf.onesLike(theta) as tf.Tensor1D };
    });
  }

  /**
   * x = h⁻¹(wrap(y − t)) with h(x) = x + displacement, by the float64 root find on [−π, π]
   * (h(±π) = ±π), returned as x* + tangentOnly((y − t − h(x*; s))/h′(x*)) with the trigonometric
   * factors frozen at x* (implicit-function-theorem first derivatives, see solve.ts).
   */
  inverse(y: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('ncp', y, context, this.contextSize)!;
    const n = y.shape[0];
    const M = this.mixtures;
    return tf.tidy(() => {
      const { s, t } = this.parameters(ctx);
      const sv = s.dataSync();
      const tv = t.dataSync();
      const yv = y.dataSync();
      const expS = new Float64Array(n * M);
      for (let j = 0; j < n * M; j++) expS[j] = Math.exp(sv[j]!);
      const target = new Float64Array(n);
      for (let i = 0; i < n; i++) target[i] = wrapAngle64(yv[i]! - tv[i]!);
      const evalH = (i: number, x: number, out: Float64Array) => {
        const su = Math.sin(0.5 * x);
        const cu = Math.cos(0.5 * x);
        let disp = 0;
        let slope = 0;
        for (let m = 0; m < M; m++) {
          const e = expS[i * M + m]!;
          // tan(f/2 − u) = (e − 1) sin u cos u / (cos²u + e sin²u)
          disp += Math.atan(((e - 1) * su * cu) / (cu * cu + e * su * su));
          slope += e / (cu * cu + e * e * su * su);
        }
        out[0] = x + (2 * disp) / M;
        out[1] = slope / M;
      };
      const lo = new Float64Array(n).fill(-Math.PI);
      const hi = new Float64Array(n).fill(Math.PI);
      const sol = solveMonotone(evalH, target, lo, hi, target, { tol: this.tol, maxIter: this.maxIter });
      this.lastIterations = sol.iterations;
      const xStar = new Float32Array(n);
      const sinStar = new Float32Array(n);
      const cosStar = new Float32Array(n);
      const slope = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const x = sol.x[i]!;
        xStar[i] = wrapAngle64(x);
        sinStar[i] = Math.sin(0.5 * x);
        cosStar[i] = Math.cos(0.5 * x);
        slope[i] = sol.slope[i]!;
      }
      const dispStar = displacement(s, tf.tensor2d(sinStar, [n, 1]), tf.tensor2d(cosStar, [n, 1]));
      const step = tf.div(tf.sub(tf.sub(y, t), dispStar), tf.tensor1d(slope));
      const x = tf.add(tf.tensor1d(xStar), tangentOnly(step)) as tf.Tensor1D;
      const { sinU, cosU } = halfAngle(x);
      return { x, logdet: tf.neg(logSlope(s, sinU, cosU)) as tf.Tensor1D, ok: tf.tensor1d(sol.ok) };
    });
  }

  toJSON(): NCPKernelJSON {
    return { kind: 'ncp', mixtures: this.mixtures, sMax: this.sMax, tol: this.tol, maxIter: this.maxIter };
  }
}
