/**
 * 'spline' circle kernel: a circular rational-quadratic spline (Durkan et al. 2019, "Neural spline
 * flows"; Rezende et al. 2020, "Normalizing flows on tori and spheres") followed by a rotation t.
 *
 * K bins partition [−π, π] in x and in y; widths and heights are 2π · (m + (1 − K m) softmax(raw)) with
 * m = minBinWidth (a fraction of the circle), so both sum to 2π and the knots start at −π and end at
 * π. Knot derivatives δ_0..δ_{K−1} = minDerivative + softplus(raw) and δ_K = δ_0, so the derivative at
 * −π equals that at π: the spline is a C¹ diffeomorphism of the circle. In bin k, with
 * ξ = (x − x_k)/w_k ∈ [0, 1] and s_k = h_k/w_k,
 *   y = y_k + h_k (s_k ξ² + δ_k ξ(1−ξ)) / D,   D = s_k + (δ_{k+1} + δ_k − 2 s_k) ξ(1−ξ) > 0,
 *   dy/dx = s_k² (δ_{k+1} ξ² + 2 s_k ξ(1−ξ) + δ_k (1−ξ)²) / D²,
 * and the inverse is the root in [0, 1] of a quadratic, taken in a cancellation-free form. Both directions work from the nearer knot of the bin (see `Side`).
 *
 * Bin lookup without searchsorted: a one-hot row from comparisons x ≥ x_k (which have zero gradient),
 * and each bin quantity selected as Σ_k onehot_k · q_k, so gradients reach the selected knots.
 *
 * Context row: (raw widths ×K, raw heights ×K, raw derivatives ×K, t).
 */
import { tf } from '../../backend/index.ts';
import { wrapAngle } from '../../manifolds/torus.ts';
import type { CircleKernel } from './kernel.ts';
import { checkKernelInput } from './checks.ts';

export interface SplineKernelJSON {
  kind: 'spline';
  bins: number;
  minBinWidth: number;
  minDerivative: number;
}

const TWO_PI = 2 * Math.PI;

interface Knots {
  /** lower knots x_k, y_k, upper knots x_{k+1}, y_{k+1} (the last exactly π), widths w_k, heights h_k,
   *  derivatives δ_k and δ_{k+1}: [n, K] each */
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  xUp: tf.Tensor2D;
  yUp: tf.Tensor2D;
  w: tf.Tensor2D;
  h: tf.Tensor2D;
  d: tf.Tensor2D;
  dNext: tf.Tensor2D;
  /** the rotation, wrapped to [−π, π) */
  t: tf.Tensor1D;
}

/** The selected bin's quantities, [n] each. */
interface Bin {
  xk: tf.Tensor;
  yk: tf.Tensor;
  xk1: tf.Tensor;
  yk1: tf.Tensor;
  wk: tf.Tensor;
  hk: tf.Tensor;
  sk: tf.Tensor;
  dk: tf.Tensor;
  dk1: tf.Tensor;
}

/**
 * A bin seen from its nearer knot. The spline is symmetric under ξ → 1 − ξ, y − y_k → h_k − (y − y_k),
 * δ_k ↔ δ_{k+1}, so both halves use one formula in the distance e ∈ [0, ½] from the nearer knot, with
 * δ_near the derivative there and δ_far the other one. Working from the nearer knot keeps float32
 * honest: the output is the knot plus a small offset (the last upper knot is exactly π, so the map
 * closes at the seam), and the inverse quadratic's coefficients do not cancel (from the lower knot,
 * h_k(s_k − δ_k) + Δ(δ_{k+1} + δ_k − 2s_k) near the upper knot is a difference of two large terms).
 */
interface Side {
  upper: tf.Tensor;
  dNear: tf.Tensor;
  dFar: tf.Tensor;
}

function side(upper: tf.Tensor, b: Bin): Side {
  return { upper, dNear: tf.where(upper, b.dk1, b.dk), dFar: tf.where(upper, b.dk, b.dk1) };
}

export class SplineKernel implements CircleKernel {
  readonly kind = 'spline' as const;
  readonly contextSize: number;
  readonly variables: tf.Variable[] = [];
  readonly bins: number;
  readonly minBinWidth: number;
  readonly minDerivative: number;

  constructor(cfg: Omit<SplineKernelJSON, 'kind'>) {
    const { bins, minBinWidth, minDerivative } = cfg;
    if (!Number.isInteger(bins) || bins < 1) throw new Error(`spline circle kernel: bins must be a positive integer, got ${bins}`);
    if (!(minBinWidth > 0 && bins * minBinWidth < 1)) throw new Error(`spline circle kernel: minBinWidth must be in (0, 1/bins), got ${minBinWidth}`);
    if (!(minDerivative > 0)) throw new Error(`spline circle kernel: minDerivative must be positive, got ${minDerivative}`);
    this.bins = bins;
    this.minBinWidth = minBinWidth;
    this.minDerivative = minDerivative;
    this.contextSize = 3 * bins + 1;
  }

  /** Knots of the spline for each context row. */
  knots(context: tf.Tensor2D): Knots {
    const K = this.bins;
    return tf.tidy(() => {
      const part = (j: number) => tf.slice(context, [0, j * K], [-1, K]);
      const sizes = (raw: tf.Tensor) => tf.mul(TWO_PI, tf.add(this.minBinWidth, tf.mul(1 - K * this.minBinWidth, tf.softmax(raw)))) as tf.Tensor2D;
      const w = sizes(part(0));
      const h = sizes(part(1));
      // exclusive cumulative sums by one matMul with the strictly upper triangular ones matrix
      const upper = tf.tensor2d(Array.from({ length: K }, (_, j) => Array.from({ length: K }, (_, k) => (j < k ? 1 : 0))));
      const x = tf.sub(tf.matMul(w, upper), Math.PI) as tf.Tensor2D;
      const y = tf.sub(tf.matMul(h, upper), Math.PI) as tf.Tensor2D;
      const upperOf = (lower: tf.Tensor2D) =>
        tf.concat([tf.slice(lower, [0, 1], [-1, K - 1]), tf.fill([lower.shape[0], 1], Math.PI)], 1) as tf.Tensor2D;
      const xUp = upperOf(x);
      const yUp = upperOf(y);
      const d = tf.add(this.minDerivative, tf.softplus(part(2))) as tf.Tensor2D;
      // periodic: the derivative at the last knot (π) is that at the first (−π)
      const dNext = (K > 1 ? tf.concat([tf.slice(d, [0, 1], [-1, K - 1]), tf.slice(d, [0, 0], [-1, 1])], 1) : tf.clone(d)) as tf.Tensor2D;
      // wrapped first: y0 + t then stays within [−2π, 2π), where float32 resolves angles to 5e-7
      const t = wrapAngle(tf.reshape(tf.slice(context, [0, 3 * K], [-1, 1]), [-1])) as tf.Tensor1D;
      return { x, y, xUp, yUp, w, h, d, dNext, t };
    });
  }

  /** One-hot bin of each point u [n] against the lower knots [n, K] (constant in u and the knots). */
  private select(u: tf.Tensor1D, lower: tf.Tensor2D, kn: Knots): Bin {
    const K = this.bins;
    let onehot: tf.Tensor;
    if (K === 1) onehot = tf.onesLike(lower);
    else {
      const ge = tf.cast(tf.greaterEqual(tf.reshape(u, [-1, 1]), tf.slice(lower, [0, 1], [-1, K - 1])), 'float32'); // [n, K−1]
      const n = u.shape[0];
      onehot = tf.sub(tf.concat([tf.ones([n, 1]), ge], 1), tf.concat([ge, tf.zeros([n, 1])], 1));
    }
    const pick = (q: tf.Tensor2D) => tf.sum(tf.mul(onehot, q), 1);
    const wk = pick(kn.w);
    const hk = pick(kn.h);
    return { xk: pick(kn.x), yk: pick(kn.y), xk1: pick(kn.xUp), yk1: pick(kn.yUp), wk, hk, sk: tf.div(hk, wk), dk: pick(kn.d), dk1: pick(kn.dNext) };
  }

  /** log dy/dx at distance e (bin units) from the nearer knot. */
  private logSlope(e: tf.Tensor, b: Bin, sd: Side): tf.Tensor1D {
    const one = tf.sub(1, e);
    const mix = tf.mul(e, one);
    const denom = tf.add(b.sk, tf.mul(tf.sub(tf.add(sd.dFar, sd.dNear), tf.mul(2, b.sk)), mix));
    const numer = tf.add(tf.add(tf.mul(sd.dFar, tf.square(e)), tf.mul(tf.mul(2, b.sk), mix)), tf.mul(sd.dNear, tf.square(one)));
    return tf.sub(tf.add(tf.mul(2, tf.log(b.sk)), tf.log(numer)), tf.mul(2, tf.log(denom))) as tf.Tensor1D;
  }

  forward(theta: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('spline', theta, context, this.contextSize)!; // contextSize ≥ 4: never null
    return tf.tidy(() => {
      const kn = this.knots(ctx);
      const x = wrapAngle(theta);
      const b = this.select(x, kn.x, kn);
      const sd = side(tf.greater(tf.sub(x, b.xk), tf.mul(0.5, b.wk)), b);
      // distance from the nearer knot in bin units, clamped: float32 rounding of the knots can put x a
      // hair outside its selected bin
      const e = tf.minimum(tf.maximum(tf.div(tf.where(sd.upper, tf.sub(b.xk1, x), tf.sub(x, b.xk)), b.wk), 0), 1);
      const mix = tf.mul(e, tf.sub(1, e));
      const denom = tf.add(b.sk, tf.mul(tf.sub(tf.add(sd.dFar, sd.dNear), tf.mul(2, b.sk)), mix));
      const offset = tf.div(tf.mul(b.hk, tf.add(tf.mul(b.sk, tf.square(e)), tf.mul(sd.dNear, mix))), denom);
      const y0 = tf.where(sd.upper, tf.sub(b.yk1, offset), tf.add(b.yk, offset));
      const y = wrapAngle(tf.add(y0, kn.t)) as tf.Tensor1D;
      return { y, logdet: this.logSlope(e, b, sd), ok: tf.onesLike(theta) as tf.Tensor1D };
    });
  }

  inverse(y: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('spline', y, context, this.contextSize)!;
    return tf.tidy(() => {
      const kn = this.knots(ctx);
      const z = wrapAngle(tf.sub(y, kn.t)) as tf.Tensor1D;
      const b = this.select(z, kn.y, kn);
      const sd = side(tf.greater(tf.sub(z, b.yk), tf.mul(0.5, b.hk)), b);
      // offset from the nearer knot, clamped into the bin (rounding, as in forward): keeps the root in [0, 1]
      const dz = tf.minimum(tf.maximum(tf.where(sd.upper, tf.sub(b.yk1, z), tf.sub(z, b.yk)), 0), b.hk);
      const curv = tf.sub(tf.add(b.dk1, b.dk), tf.mul(2, b.sk));
      const qa = tf.add(tf.mul(b.hk, tf.sub(b.sk, sd.dNear)), tf.mul(dz, curv));
      const qb = tf.sub(tf.mul(b.hk, sd.dNear), tf.mul(dz, curv));
      const qc = tf.neg(tf.mul(b.sk, dz));
      const disc = tf.relu(tf.sub(tf.square(qb), tf.mul(4, tf.mul(qa, qc)))); // ≥ 0 in exact arithmetic
      // The root in [0, 1] without cancellation: 2c/(−b − √disc) when b ≥ 0 (Durkan et al.'s form), and
      // (−b + √disc)/(2a) when b < 0, where a > h_k s_k > 0 (b < 0 means Δ·curv > h_k δ_near, so
      // a = h_k(s_k − δ_near) + Δ·curv > h_k s_k). Each branch gets a safe denominator where it is not
      // used, so that no inf/NaN can leak into the gradient through the selection.
      const root = tf.sqrt(disc);
      const bPos = tf.greaterEqual(qb, 0);
      const eB = tf.div(tf.mul(2, qc), tf.where(bPos, tf.sub(tf.neg(qb), root), tf.onesLike(qb)));
      const eA = tf.div(tf.add(tf.neg(qb), root), tf.where(bPos, tf.onesLike(qa), tf.mul(2, qa)));
      const e = tf.where(bPos, eB, eA);
      const x0 = tf.where(sd.upper, tf.sub(b.xk1, tf.mul(e, b.wk)), tf.add(b.xk, tf.mul(e, b.wk)));
      const x = wrapAngle(x0) as tf.Tensor1D;
      return { x, logdet: tf.neg(this.logSlope(e, b, sd)) as tf.Tensor1D, ok: tf.onesLike(y) as tf.Tensor1D };
    });
  }

  toJSON(): SplineKernelJSON {
    return { kind: 'spline', bins: this.bins, minBinWidth: this.minBinWidth, minDerivative: this.minDerivative };
  }
}
