/**
 * Probability-path matching on S² (after Ben-Hamu et al. 2022, "CNFM"): choose a path p_t from the
 * uniform density to a kernel density estimate of the data and minimise the continuity-equation
 * residual divided by p_t (the "probability path divergence"):
 *
 *   L(θ) = E_t E_{x∼p_t} [ ∂_t log p_t(x) + Δ_S Φ(x, t) + ⟨grad Φ, grad log p_t⟩(x) ]²,
 *
 * which is zero iff div(p_t grad Φ) = −∂_t p_t, i.e. iff the gradient flow transports exactly along
 * p_t. Path used here: p_t = (1 − t)/|S²| + t K_κ * data, K_κ the von Mises–Fisher kernel of
 * concentration κ (a fixed bandwidth; choose κ on the validation split). Unlike geodesic flow
 * matching this needs the Laplacian of Φ (second-order jets) but no simulation of the ODE.
 */
import { tf } from '../backend/index.ts';
import type { CNF } from '../flows/cnf/cnf.ts';
import { trainWindowed, type FlowMatchingOptions } from './flow-matching.ts';
import { field } from '../flows/cnf/rk4.ts';

/** log of the vMF normaliser κ / (4π sinh κ) written as κ/(2π(1 − e^{−2κ})) · e^{−κ}, stable for large κ. */
export function logVmfNorm(kappa: number): number {
  return Math.log(kappa / (2 * Math.PI * -Math.expm1(-2 * kappa))) - kappa;
}

/** One vMF(μ, κ) sample on S² (Wood's inversion for the cosine of the angle to μ). */
export function sampleVmf(mu: number[], kappa: number, rng: () => number): number[] {
  const u = rng();
  const w = 1 + Math.log(u + (1 - u) * Math.exp(-2 * kappa)) / kappa;
  // orthonormal e1, e2 ⊥ μ
  const a = Math.abs(mu[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const d = a[0] * mu[0] + a[1] * mu[1] + a[2] * mu[2];
  let e1 = a.map((v, i) => v - d * mu[i]);
  const n1 = Math.hypot(...e1);
  e1 = e1.map((v) => v / n1);
  const e2 = [mu[1] * e1[2] - mu[2] * e1[1], mu[2] * e1[0] - mu[0] * e1[2], mu[0] * e1[1] - mu[1] * e1[0]];
  const phi = 2 * Math.PI * rng();
  const s = Math.sqrt(Math.max(0, 1 - w * w));
  return mu.map((m, i) => w * m + s * (Math.cos(phi) * e1[i] + Math.sin(phi) * e2[i]));
}

export interface CNFMOptions extends FlowMatchingOptions {
  /** concentration of the von Mises–Fisher kernels around the data */
  kappa: number;
}

/** The path quantities at points x and times t: ∂_t log p_t and grad log p_t (tangent). */
export function kdePath(data: tf.Tensor2D, x: tf.Tensor2D, t: tf.Tensor2D, kappa: number, logVolume: number): { dtLogP: tf.Tensor1D; gradLogP: tf.Tensor2D } {
  return tf.tidy(() => {
    const N = data.shape[0];
    const dots = tf.matMul(x, data, false, true); // [B,N]
    const logK = tf.add(logVmfNorm(kappa), tf.mul(kappa, dots)); // log K_κ(x, x_i)
    const logm = tf.sub(tf.logSumExp(logK, 1, true), Math.log(N)); // [B,1]
    const logU = tf.fill(t.shape, -logVolume);
    const logP = tf.logSumExp(tf.concat([tf.add(tf.log(tf.sub(1, t)), logU), tf.add(tf.log(t), logm)], 1), 1, true); // [B,1]
    const dtLogP = tf.reshape(tf.sub(tf.exp(tf.sub(logm, logP)), tf.exp(tf.sub(logU, logP))), [-1]) as tf.Tensor1D;
    // grad log p_t = t κ (1/N) Σ_i K_i (x_i − (x_i·x) x) / p_t
    const W = tf.mul(tf.div(t, N), tf.exp(tf.sub(logK, logP))); // [B,N]
    const amb = tf.matMul(W, data); // [B,3]
    const radial = tf.sum(tf.mul(W, dots), 1, true);
    const gradLogP = tf.mul(kappa, tf.sub(amb, tf.mul(radial, x))) as tf.Tensor2D;
    return { dtLogP, gradLogP };
  });
}

/** Mean squared continuity residual of grad Φ against the path at (x, t). */
export function cnfmLoss(flow: CNF, x: tf.Tensor2D, t: tf.Tensor2D, dtLogP: tf.Tensor1D, gradLogP: tf.Tensor2D): tf.Scalar {
  const { v, div } = field(flow.potential, flow.geometry, x, t, true);
  const r = tf.add(tf.add(dtLogP, div!), tf.sum(tf.mul(v, gradLogP), 1));
  return tf.mean(tf.square(r)) as tf.Scalar;
}

/** Adam on the probability-path loss (S² only); returns mean losses per `every` iterations. */
export function trainCNFM(flow: CNF, data: tf.Tensor2D, opts: CNFMOptions): number[] {
  if (flow.geometry.kind !== 'sphere' || flow.geometry.dim !== 3) throw new Error('CNFM path: implemented on S² only');
  const { kappa } = opts;
  if (!(kappa > 0)) throw new Error('CNFM: kappa must be positive');
  return trainWindowed(flow, opts, 'CNFM', cnfmBatchLoss(flow, data, kappa));
}

/** One minibatch of the probability-path loss: t ∈ (0, 1), x ∼ p_t (S² only). */
export function cnfmBatchLoss(flow: CNF, data: tf.Tensor2D, kappa: number): (batch: number, rng: () => number) => tf.Scalar {
  const pts = data.arraySync() as number[][];
  return (batch, rng) => {
    // t ∈ (0, 1) away from the ends where log(1 − t) or log t is singular; x ∼ p_t
    const ts = Float32Array.from({ length: batch }, () => 1e-3 + (1 - 2e-3) * rng());
    const uni = flow.manifold.sampleUniform(batch, rng);
    const u = uni.arraySync() as number[][];
    uni.dispose();
    const xs = u.map((p, i) => (rng() < ts[i] ? sampleVmf(pts[Math.floor(rng() * pts.length)], kappa, rng) : p));
    const x = tf.tensor2d(xs, [batch, 3]);
    const t = tf.tensor2d(ts, [batch, 1]);
    const { dtLogP, gradLogP } = kdePath(data, x, t, kappa, flow.manifold.logVolume);
    return cnfmLoss(flow, x, t, dtLogP, gradLogP);
  };
}
