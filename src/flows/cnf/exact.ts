/**
 * The exact log-determinant of one discrete RK4 step (docs/design.md, "Continuous normalizing flows
 * on manifolds (CNF)"): the step is a deterministic map
 * x ↦ S(x), and a proposal built from it has density π(x₀) / Π_k |det dS_k| — not the integrated
 * divergence, which differs by the discretisation error.
 *
 * The ambient Jacobian of S is formed by reverse-mode autodiff of every output coordinate at once
 * (the batch is replicated once per coordinate, so one forward and one backward pass give all rows),
 * restricted to orthonormal tangent bases at x and S(x) on the sphere, and its log|det| is taken in
 * float64 on the JS side. Not differentiable w.r.t. θ: training uses the divergence mode.
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
  /** ambient Jacobian per sample, row-major [B, A, A] in float64 */
  jac: Float64Array;
  /** log|det| of the step between tangent spaces, per sample */
  logdet: Float64Array;
}

/** Ambient Jacobian ∂S(x)/∂x of one RK4 step for every sample (one replicated backward pass); `ctx`: Φ's context. */
export function stepJacobian(pot: Potential, geo: Geometry, x: tf.Tensor2D, t: number, h: number, ctx?: tf.Tensor2D): { x: tf.Tensor2D; jac: Float64Array; stageRadius?: Float32Array } {
  const [B, A] = x.shape;
  const { xn, g, radius } = tf.tidy(() => {
    const rep = tf.tile(x, [A, 1]) as tf.Tensor2D;
    const repCtx = ctx ? (tf.tile(ctx, [A, 1]) as tf.Tensor2D) : undefined;
    const maskData = new Float32Array(A * B * A);
    for (let j = 0; j < A; j++) for (let b = 0; b < B; b++) maskData[(j * B + b) * A + j] = 1;
    const mask = tf.tensor2d(maskData, [A * B, A]);
    const gfun = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(rk4Step(pot, geo, z as tf.Tensor2D, t, h, false, false, repCtx).x, mask)));
    const gr = gfun(rep);
    // tf.grad disposes the forward intermediates, so the step's value comes from a separate pass.
    const step = rk4Step(pot, geo, x, t, h, false, true, ctx);
    return { xn: step.x, g: gr, radius: step.stageRadius };
  });
  const gd = g.dataSync();
  g.dispose();
  const stageRadius = radius ? (radius.dataSync() as Float32Array) : undefined;
  radius?.dispose();
  const jac = new Float64Array(B * A * A);
  for (let j = 0; j < A; j++) for (let b = 0; b < B; b++) for (let i = 0; i < A; i++) jac[b * A * A + j * A + i] = gd[(j * B + b) * A + i];
  return { x: xn, jac, stageRadius };
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
  const xs = x.dataSync();
  const ys = xn.dataSync();
  const n = A - 1;
  const M = new Float64Array(n * n);
  for (let b = 0; b < B; b++) {
    const Ex = sphereTangentBasis(xs.subarray(b * A, (b + 1) * A));
    const Ey = sphereTangentBasis(ys.subarray(b * A, (b + 1) * A));
    const J = jac.subarray(b * A * A, (b + 1) * A * A);
    for (let p = 0; p < n; p++)
      for (let q = 0; q < n; q++) {
        let s = 0;
        for (let i = 0; i < A; i++) {
          let ji = 0;
          for (let k = 0; k < A; k++) ji += J[i * A + k] * Ex[q][k];
          s += Ey[p][i] * ji;
        }
        M[p * n + q] = s;
      }
    // a stage beyond the pull-back's chart: the step is not the scheme it claims to be → not ok
    logdet[b] = stageRadius && !(stageRadius[b] < MAX_STAGE_RADIUS) ? NaN : logAbsDet(M, n);
  }
  return { x: xn, jac, logdet };
}
