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
import { reverseKLLoss, type BatchLoss } from '../../train/train.ts';
import type { U1GaugeFlow } from './flow.ts';
import { u1WilsonLogDensity } from './layout.ts';

export type Estimator = 'total' | 'path';

/** The reverse-KL minibatch loss of a gauge flow on `lattice` against the Wilson action at β. */
export function gaugeReverseKL(flow: U1GaugeFlow, lattice: Lattice, beta: number, estimator: Estimator = 'total'): BatchLoss {
  const model = {
    sample: (n: number, rng: () => number) => flow.sample(lattice, n, rng),
    logProb: (x: tf.Tensor) => tf.tidy(() => flow.logProb(x).logq),
  };
  return reverseKLLoss(model, (x) => u1WilsonLogDensity(x, flow.dims, beta), estimator);
}
