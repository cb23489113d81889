/**
 * Reverse KL of a U(1) gauge flow against the Wilson action, one minibatch at a time (the BatchLoss
 * contract of src/train/train.ts, so the same loss runs in-process and on data-parallel workers).
 *
 * KL(q‖p) = E_q[log q − log p̃] + log Z with log p̃ = −S = β Σ_P cos θ_P (float32 here: it is only a
 * gradient signal; MCMC recomputes the action in float64). The reported value is the minibatch
 * mean of log q − log p̃ (≥ −log Z), and the log importance weights log p̃ − log q go back for the
 * running ESS. Samples with ok = 0 are masked out.
 *
 * Estimators: 'total' differentiates through everything (reparametrisation gradient); 'path' drops
 * the score term E_q[∂_θ log q_θ] (zero in expectation) and keeps ∇_U[log q − log p̃]·∂_θU, whose
 * variance vanishes as q → p (see src/train/train.ts).
 */
import { tf } from '../../backend/index.ts';
import type { Lattice } from '../../../lattices/geometry.ts';
import type { U1GaugeFlow } from './flow.ts';
import { u1WilsonLogDensity } from './layout.ts';

export type Estimator = 'total' | 'path';

export interface GaugeBatchLoss {
  loss: tf.Scalar;
  okFraction: number;
  report: number;
  logWeights: Float64Array;
}

export function gaugeReverseKL(flow: U1GaugeFlow, lattice: Lattice, beta: number, estimator: Estimator = 'total') {
  if (estimator !== 'total' && estimator !== 'path') throw new Error(`reverse KL: estimator must be 'total' or 'path', got '${String(estimator)}'`);
  const d = flow.dims;
  return (batch: number, rng: () => number): GaugeBatchLoss => {
    const s = flow.sample(lattice, batch, rng);
    const okv = s.ok.dataSync();
    let nOk = 0;
    for (const v of okv) if (v > 0.5) nOk++;
    const okB = tf.cast(s.ok, 'bool');
    // where, not a product: a failed sample may carry NaN, and NaN·0 is NaN
    const diff = tf.tidy(() => tf.where(okB, tf.sub(s.logq, u1WilsonLogDensity(s.x, d, beta)), tf.zerosLike(s.logq)));
    const dv = diff.dataSync();
    const logWeights = Float64Array.from(dv, (v, i) => (okv[i]! > 0.5 ? -v : -Infinity));
    let sum = 0;
    for (let i = 0; i < batch; i++) if (okv[i]! > 0.5) sum += dv[i]!;
    const report = sum / Math.max(1, nOk);
    let loss: tf.Scalar;
    if (estimator === 'total') {
      loss = tf.div(tf.sum(diff), Math.max(1, nOk)) as tf.Scalar;
    } else {
      const gx = pathDirection(flow, s.x, s.ok, d, beta);
      loss = tf.tidy(() => tf.div(tf.sum(tf.mul(gx, s.x)), Math.max(1, nOk)) as tf.Scalar);
      gx.dispose();
    }
    tf.dispose([s.x, s.logq, s.ok, okB, diff]);
    return { loss, okFraction: nOk / batch, report, logWeights };
  };
}

/** ∇_U[log q(U) − log p̃(U)] at the detached samples (zero on failed ones), outside the tape. */
function pathDirection(flow: U1GaugeFlow, x: tf.Tensor, ok: tf.Tensor1D, d: number, beta: number): tf.Tensor {
  const g = tf.tidy(() => {
    const xd = tf.tensor(x.dataSync() as Float32Array, x.shape);
    const grad = tf.grad((u: tf.Tensor) => tf.sum(tf.sub(flow.logProb(u).logq, u1WilsonLogDensity(u, d, beta))))(xd);
    const mask = tf.reshape(ok, [ok.shape[0], ...new Array<number>(x.rank - 1).fill(1)]);
    return tf.where(tf.cast(tf.broadcastTo(mask, x.shape), 'bool'), grad, tf.zerosLike(grad));
  });
  const out = tf.tensor(g.dataSync() as Float32Array, x.shape);
  g.dispose();
  return out;
}
