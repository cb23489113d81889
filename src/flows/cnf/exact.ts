/**
 * The exact log-determinant of one discrete RK4 step (docs/design.md, "Continuous normalizing flows
 * on manifolds (CNF)"): the step is a deterministic map
 * x ↦ S(x), and a proposal built from it has density π(x₀) / Π_k |det dS_k| — not the integrated
 * divergence, which differs by the discretisation error.
 *
 * The Jacobian of S is formed by reverse-mode autodiff of all its rows at once (the batch is
 * replicated once per row, so one forward and one backward pass give them all): every ambient row on
 * a flat torus, on a sphere only the rows along an orthonormal tangent basis at S(x), which are then
 * restricted to a basis at x. Its log|det| is taken in float64 on the JS side. Not differentiable
 * w.r.t. θ: training uses the divergence mode.
 */
import { tf } from '../../backend/index.ts';
import type { Potential } from './potential.ts';
import { rk4Step, MAX_STAGE_RADIUS, type Geometry } from './rk4.ts';
import { signedLogDet } from '../../../lattices/exact/logdet.ts';

/** log|det| of a row-major n×n float64 matrix; −Infinity if singular (the LU of lattices/exact/logdet.ts). */
export function logAbsDet(a: Float64Array | number[], n: number): number {
  return signedLogDet(Float64Array.from(a), n).log;
}

/** Orthonormal basis of the tangent space of the unit sphere at p (rows, float64). */
export function sphereTangentBasis(p: ArrayLike<number>): number[][] {
  const A = p.length;
  let nrm = 0;
  for (let i = 0; i < A; i++) nrm += p[i] * p[i];
  nrm = Math.sqrt(nrm);
  const x = Array.from(p, (v) => v / nrm);
  const basis: number[][] = [x];
  // Gram–Schmidt on the coordinate axes, least aligned with x first, dropping the worst one.
  const order = Array.from({ length: A }, (_, i) => i).sort((i, j) => Math.abs(x[i]) - Math.abs(x[j]));
  for (const i of order) {
    if (basis.length === A) break;
    const e = new Array(A).fill(0);
    e[i] = 1;
    for (const b of basis) {
      const d = b.reduce((s, bv, k) => s + bv * e[k], 0);
      for (let k = 0; k < A; k++) e[k] -= d * b[k];
    }
    const ne = Math.sqrt(e.reduce((s, v) => s + v * v, 0));
    if (ne < 1e-6) continue;
    basis.push(e.map((v) => v / ne));
  }
  return basis.slice(1);
}

export interface ExactStep {
  x: tf.Tensor2D;
  /**
   * The step's Jacobian per sample in float64, row-major [B, m, m]: on a flat torus the ambient
   * ∂S/∂x (m = A); on a sphere the tangent map between the bases sphereTangentBasis(x) and
   * sphereTangentBasis(S(x)) (m = A − 1), M_pq = ⟨e_p(S(x)), J e_q(x)⟩ — all that the log-det and
   * the Newton inversion (layer.ts) need.
   */
  jac: Float64Array;
  /** log|det| of the step between tangent spaces, per sample */
  logdet: Float64Array;
}

/**
 * The rows c_r J of the step's Jacobian for the cotangents c_r (r = 0..R−1, one per output row of
 * `cot`, [R·B, A] ordered r-major): the batch is replicated R times and one backward pass of
 * Σ ⟨c, S(x)⟩ gives all R rows of every sample. Returns them as [R·B, A].
 */
function cotangentRows(pot: Potential, geo: Geometry, x: tf.Tensor2D, R: number, cot: Float32Array, t: number, h: number, ctx?: tf.Tensor2D): Float32Array {
  const [B, A] = x.shape;
  const g = tf.tidy(() => {
    const rep = tf.tile(x, [R, 1]) as tf.Tensor2D;
    const repCtx = ctx ? (tf.tile(ctx, [R, 1]) as tf.Tensor2D) : undefined;
    const c = tf.tensor2d(cot, [R * B, A]);
    return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(rk4Step(pot, geo, z as tf.Tensor2D, t, h, false, false, repCtx).x, c)))(rep);
  });
  const gd = g.dataSync() as Float32Array;
  g.dispose();
  return gd;
}

/**
 * The Jacobian of one RK4 step for every sample (see ExactStep.jac) with the step's value;
 * `ctx`: Φ's context. A flat torus needs all A rows of ∂S/∂x; a sphere only the A − 1 rows along
 * the tangent basis at S(x), so its replicated batch is A − 1 copies, not A (a third less work on S²).
 */
export function stepJacobian(pot: Potential, geo: Geometry, x: tf.Tensor2D, t: number, h: number, ctx?: tf.Tensor2D): { x: tf.Tensor2D; jac: Float64Array; stageRadius?: Float32Array } {
  const [B, A] = x.shape;
  // the value first (tf.grad disposes its forward intermediates): a sphere's cotangents depend on S(x)
  const step = tf.tidy(() => {
    const s = rk4Step(pot, geo, x, t, h, false, true, ctx);
    return { x: s.x, radius: s.stageRadius };
  });
  const stageRadius = step.radius ? (step.radius.dataSync() as Float32Array) : undefined;
  step.radius?.dispose();
  if (geo.kind === 'flat') {
    const cot = new Float32Array(A * B * A);
    for (let j = 0; j < A; j++) for (let b = 0; b < B; b++) cot[(j * B + b) * A + j] = 1;
    const gd = cotangentRows(pot, geo, x, A, cot, t, h, ctx);
    const jac = new Float64Array(B * A * A);
    for (let j = 0; j < A; j++) for (let b = 0; b < B; b++) for (let i = 0; i < A; i++) jac[b * A * A + j * A + i] = gd[(j * B + b) * A + i];
    return { x: step.x, jac, stageRadius };
  }
  const n = A - 1;
  const xs = x.dataSync();
  const ys = step.x.dataSync();
  const Ex: number[][][] = [];
  const cot = new Float32Array(n * B * A);
  for (let b = 0; b < B; b++) {
    Ex.push(sphereTangentBasis(xs.subarray(b * A, (b + 1) * A)));
    const Ey = sphereTangentBasis(ys.subarray(b * A, (b + 1) * A));
    for (let p = 0; p < n; p++) for (let i = 0; i < A; i++) cot[(p * B + b) * A + i] = Ey[p]![i]!;
  }
  const gd = cotangentRows(pot, geo, x, n, cot, t, h, ctx);
  const jac = new Float64Array(B * n * n);
  for (let b = 0; b < B; b++)
    for (let p = 0; p < n; p++) {
      const o = (p * B + b) * A;
      for (let q = 0; q < n; q++) {
        let s = 0;
        for (let i = 0; i < A; i++) s += gd[o + i]! * Ex[b]![q]![i]!;
        jac[b * n * n + p * n + q] = s;
      }
    }
  return { x: step.x, jac, stageRadius };
}

/** One step with the exact log|det| of its tangent-space Jacobian. */
export function exactStep(pot: Potential, geo: Geometry, x: tf.Tensor2D, t: number, h: number, ctx?: tf.Tensor2D): ExactStep {
  const [B, A] = x.shape;
  const { x: xn, jac, stageRadius } = stepJacobian(pot, geo, x, t, h, ctx);
  const logdet = new Float64Array(B);
  if (geo.kind === 'flat') {
    // A step whose Jacobian determinant is ≤ 0 at a point folds the torus there: the discrete map is
    // not a bijection and π(x₀)/|det| not its density, so that sample is flagged (NaN → ok = 0).
    // (Positive everywhere would make the step a local diffeomorphism of degree 1, hence a bijection;
    // a sample only sees its own point, so this catches folds where draws land, as ok should.)
    for (let b = 0; b < B; b++) {
      const sd = signedLogDet(jac.subarray(b * A * A, (b + 1) * A * A), A); // (it copies its input)
      logdet[b] = sd.sign > 0 ? sd.log : NaN;
    }
    return { x: xn, jac, logdet };
  }
  const n = A - 1;
  for (let b = 0; b < B; b++) {
    // a stage beyond the pull-back's chart: the step is not the scheme it claims to be → not ok
    logdet[b] = stageRadius && !(stageRadius[b] < MAX_STAGE_RADIUS) ? NaN : logAbsDet(jac.subarray(b * n * n, (b + 1) * n * n), n);
  }
  return { x: xn, jac, logdet };
}
