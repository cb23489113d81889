/**
 * One fixed step of a manifold Runge–Kutta 4 scheme for dx/dt = grad Φ(x, t), together with the
 * RK4 quadrature of ∫ ΔΦ dt along the same stages.
 *
 * Flat manifolds (circle, torus, SU(N) maximal torus in free-angle coordinates with a constant
 * metric G): classical RK4 in the angles, velocity G⁻¹∂Φ, Laplacian tr(G⁻¹∂²Φ); the result is
 * wrapped to [−π, π).
 *
 * Sphere Sⁿ ⊂ ℝⁿ⁺¹: RK4 in normal coordinates centred at the current point x ("RK-MK" on the
 * sphere): stage points are y = exp_x(u), their velocity v(y) = P_y ∇Φ(y) is pulled back to T_x by
 * the inverse differential of exp_x at u,
 *     (d exp_x)_u⁻¹ w = (r/sin r) P_x w + [(1/cos r − r/sin r)/r²] (w·u) u,   r = |u|,
 * the stages are combined in T_x, and the step ends at exp_x of the combination. Because this is
 * plain RK4 for the pulled-back ODE in a smooth chart, it is 4th order (a bare projection P_x of
 * the stage velocities would only be 2nd order). The Laplace–Beltrami operator of Φ extended to
 * ℝⁿ⁺¹ is Δ_S Φ = tr(P ∂²Φ P) − n xᵀ∇Φ = tr ∂²Φ − xᵀ∂²Φ x − n xᵀ∇Φ on |x| = 1.
 */
import { tf } from '../../backend/index.ts';
import type { Potential } from './potential.ts';

export interface FlatGeometry {
  kind: 'flat';
  dim: number;
  /** inverse metric in coordinates (row-major dim×dim); identity when absent */
  ginv?: number[][];
}
export interface SphereGeometry {
  kind: 'sphere';
  /** ambient coordinates (n + 1) */
  dim: number;
}
export type Geometry = FlatGeometry | SphereGeometry;

export interface FieldEval {
  v: tf.Tensor2D;
  div?: tf.Tensor1D;
}

const stackCols = (cols: tf.Tensor1D[]) => tf.stack(cols, 1) as tf.Tensor2D;
const rowDot = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.sum(tf.mul(a, b), 1) as tf.Tensor1D;
const col = (a: tf.Tensor1D) => tf.expandDims(a, 1) as tf.Tensor2D;

/** Velocity grad Φ at y (and its Laplace–Beltrami divergence when asked); `ctx` is Φ's context, if it has one. */
export function field(pot: Potential, geo: Geometry, y: tf.Tensor2D, t: number | tf.Tensor2D, withDiv: boolean, ctx?: tf.Tensor2D): FieldEval {
  const jet = pot.jet(y, t, withDiv ? 2 : 1, ctx);
  const D = geo.dim;
  if (geo.kind === 'flat') {
    const gi = geo.ginv;
    if (!gi) {
      const v = stackCols(jet.grad);
      const div = withDiv ? (tf.addN(jet.hess!.map((row, d) => row[d])) as tf.Tensor1D) : undefined;
      return { v, div };
    }
    const cols = Array.from({ length: D }, (_, d) => tf.addN(jet.grad.map((g, e) => tf.mul(g, gi[d][e]))) as tf.Tensor1D);
    let div: tf.Tensor1D | undefined;
    if (withDiv) {
      const terms: tf.Tensor[] = [];
      for (let d = 0; d < D; d++) for (let e = 0; e < D; e++) if (gi[d][e] !== 0) terms.push(tf.mul(jet.hess![d][e], gi[d][e]));
      div = tf.addN(terms) as tf.Tensor1D;
    }
    return { v: stackCols(cols), div };
  }
  const g = stackCols(jet.grad);
  const yg = rowDot(y, g);
  const v = tf.sub(g, tf.mul(col(yg), y)) as tf.Tensor2D;
  let div: tf.Tensor1D | undefined;
  if (withDiv) {
    const H = jet.hess!;
    const terms: tf.Tensor[] = [];
    const ys = Array.from({ length: D }, (_, d) => tf.squeeze(tf.slice(y, [0, d], [-1, 1]), [1]));
    for (let d = 0; d < D; d++) {
      terms.push(H[d][d]);
      for (let e = 0; e < D; e++) terms.push(tf.neg(tf.mul(tf.mul(ys[d], ys[e]), H[d][e])));
    }
    terms.push(tf.mul(yg, -(D - 1)));
    div = tf.addN(terms) as tf.Tensor1D;
  }
  return { v, div };
}

// Below r² < SMALL the closed forms lose float32 accuracy and are replaced by their Taylor series
// (accurate to ~1e-9 there). The closed-form branch sees a safe argument so that tf.where never
// differentiates through a NaN.
const SMALL = 1e-2;

function radius(u: tf.Tensor2D) {
  const r2 = tf.sum(tf.square(u), 1) as tf.Tensor1D;
  const small = tf.less(r2, SMALL);
  const r2s = tf.where(small, tf.onesLike(r2), r2) as tf.Tensor1D;
  const rs = tf.sqrt(r2s) as tf.Tensor1D;
  return { r2, small, r2s, rs };
}

/** exp_x(u) = cos r x + (sin r / r) u on the unit sphere, renormalised against float32 drift. */
export function sphereExp(x: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  const { r2, small, rs } = radius(u);
  const r4 = tf.square(r2);
  const c = tf.where(small, tf.add(tf.sub(1, tf.div(r2, 2)), tf.div(r4, 24)), tf.cos(rs));
  const sc = tf.where(small, tf.add(tf.sub(1, tf.div(r2, 6)), tf.div(r4, 120)), tf.div(tf.sin(rs), rs));
  const y = tf.add(tf.mul(col(c as tf.Tensor1D), x), tf.mul(col(sc as tf.Tensor1D), u));
  return tf.div(y, tf.norm(y, 'euclidean', 1, true)) as tf.Tensor2D;
}

/** (d exp_x)_u⁻¹ w for w tangent at exp_x(u): pulls a stage velocity back to T_x. */
export function sphereDexpInv(x: tf.Tensor2D, u: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const { r2, small, r2s, rs } = radius(u);
  const r4 = tf.square(r2);
  const sinr = tf.sin(rs);
  const s = tf.where(small, tf.add(tf.add(1, tf.div(r2, 6)), tf.mul(r4, 7 / 360)), tf.div(rs, sinr));
  const q = tf.where(
    small,
    tf.add(tf.add(1 / 3, tf.mul(r2, 17 / 90)), tf.mul(r4, 1250 / 15120)),
    tf.div(tf.sub(tf.div(1, tf.cos(rs)), tf.div(rs, sinr)), r2s),
  );
  const pw = tf.sub(w, tf.mul(col(rowDot(x, w)), x));
  return tf.add(tf.mul(col(s as tf.Tensor1D), pw), tf.mul(col(tf.mul(q, rowDot(w, u)) as tf.Tensor1D), u)) as tf.Tensor2D;
}

const TWO_PI = 2 * Math.PI;
export function wrapAngle(x: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(x, tf.mul(TWO_PI, tf.floor(tf.div(tf.add(x, Math.PI), TWO_PI)))) as tf.Tensor2D;
}

export interface StepResult {
  x: tf.Tensor2D;
  /** RK4 quadrature of ∫_t^{t+h} ΔΦ(x_s, s) ds along the stages (only when asked) */
  divInt?: tf.Tensor1D;
  /** sphere: the longest stage offset |u| per sample; (d exp_x)_u⁻¹ is only valid for |u| < π/2 */
  stageRadius?: tf.Tensor1D;
}

/**
 * Stage offsets at or beyond this length make a sphere step invalid: the pull-back (d exp_x)_u⁻¹
 * divides by cos|u|. Exact-mode densities flag such samples (ok = 0) instead of trusting them.
 */
export const MAX_STAGE_RADIUS = 1.5;

/**
 * One RK4 step from time t with step h (h < 0 integrates backward); `withRadius`: report stageRadius
 * (spheres); `ctx`: Φ's per-sample context, constant along the step.
 */
export function rk4Step(pot: Potential, geo: Geometry, x: tf.Tensor2D, t: number, h: number, withDiv: boolean, withRadius = false, ctx?: tf.Tensor2D): StepResult {
  const comb = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.mul(h / 6, tf.addN([a, tf.mul(2, b), tf.mul(2, c), d]));
  if (geo.kind === 'flat') {
    const f1 = field(pot, geo, x, t, withDiv, ctx);
    const f2 = field(pot, geo, tf.add(x, tf.mul(h / 2, f1.v)), t + h / 2, withDiv, ctx);
    const f3 = field(pot, geo, tf.add(x, tf.mul(h / 2, f2.v)), t + h / 2, withDiv, ctx);
    const f4 = field(pot, geo, tf.add(x, tf.mul(h, f3.v)), t + h, withDiv, ctx);
    const xn = wrapAngle(tf.add(x, comb(f1.v, f2.v, f3.v, f4.v)) as tf.Tensor2D);
    return { x: xn, divInt: withDiv ? (comb(f1.div!, f2.div!, f3.div!, f4.div!) as tf.Tensor1D) : undefined };
  }
  const f1 = field(pot, geo, x, t, withDiv, ctx);
  const k1 = f1.v;
  const u2 = tf.mul(h / 2, k1) as tf.Tensor2D;
  const f2 = field(pot, geo, sphereExp(x, u2), t + h / 2, withDiv, ctx);
  const k2 = sphereDexpInv(x, u2, f2.v);
  const u3 = tf.mul(h / 2, k2) as tf.Tensor2D;
  const f3 = field(pot, geo, sphereExp(x, u3), t + h / 2, withDiv, ctx);
  const k3 = sphereDexpInv(x, u3, f3.v);
  const u4 = tf.mul(h, k3) as tf.Tensor2D;
  const f4 = field(pot, geo, sphereExp(x, u4), t + h, withDiv, ctx);
  const k4 = sphereDexpInv(x, u4, f4.v);
  const xn = sphereExp(x, comb(k1, k2, k3, k4) as tf.Tensor2D);
  const stageRadius = withRadius ? (tf.max(tf.stack([u2, u3, u4].map((u) => tf.norm(u, 'euclidean', 1)), 1), 1) as tf.Tensor1D) : undefined;
  return { x: xn, divInt: withDiv ? (comb(f1.div!, f2.div!, f3.div!, f4.div!) as tf.Tensor1D) : undefined, stageRadius };
}
