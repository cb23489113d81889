/**
 * Training loops: reverse KL from an energy (log-density up to a constant) and maximum likelihood
 * from samples, with Adam, cosine learning-rate decay and global-norm gradient clipping.
 */
import { tf } from '../backend/index.ts';
import type { Flow } from '../flows/types.ts';
import type { Energy } from '../targets/index.ts';
import { makeProgress } from './progress.ts';
import { Adam, cosineLR, optimizerStep } from './optim.ts';
import { assignVariables, readVariables } from './flat.ts';
import { lossGradient } from './microbatch.ts';
import { yieldToEventLoop } from './stepwise.ts';

export interface TrainOptions {
  steps: number;
  batch?: number;
  lr?: number;
  /** final learning rate as a fraction of lr (cosine decay); 1 = constant */
  lrFinal?: number;
  clipNorm?: number;
  rng?: () => number;
  /** show a progress bar (only on a TTY, never under CI) */
  progress?: boolean;
  json?: boolean;
  onStep?: (step: number, loss: number, info: StepInfo) => void;
  /** trainWithLossAsync only: stop after the current step once aborted (Ctrl-C) */
  signal?: AbortSignal;
}

export interface StepInfo {
  okFraction: number;
  gradNorm: number;
  lr: number;
}

export interface TrainResult {
  losses: number[];
  seconds: number;
  /** stopped by `signal` before `steps` (trainWithLossAsync) */
  interrupted?: boolean;
}

/**
 * The loss of one minibatch, computed under the gradient tape (it may draw from rng). `report`, when
 * given, is what the loop records and shows instead of the value of `loss` (for surrogate losses
 * whose value means nothing, such as the path-gradient one). `logWeights`, when given, are the log
 * importance weights log p̃ − log q of the minibatch's samples (−∞ for failed ones), from which the
 * data-parallel loop reports a running ESS.
 */
export type BatchLoss = (batch: number, rng: () => number) => { loss: tf.Scalar; okFraction: number; report?: number; logWeights?: Float64Array };

/**
 * The one training loop every objective uses (reverse KL, maximum likelihood, flow matching):
 * Adam with cosine learning-rate decay and global-norm gradient clipping over `flow.variables`,
 * as a stepper that the synchronous and the interruptible drivers below run.
 */
export function trainLoop(flow: { readonly variables: tf.Variable[] }, opts: TrainOptions, label: string, lossFn: BatchLoss) {
  let steps = opts.steps;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`training: steps must be a non-negative integer, got ${steps}`);
  const batch = opts.batch ?? 256;
  const lr = opts.lr ?? 1e-3;
  if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`training: the learning rate must be a positive number, got ${lr}`);
  const lrFinal = opts.lrFinal ?? 0.05;
  const clip = opts.clipNorm ?? 10;
  const rng = opts.rng ?? Math.random;
  const weights = readVariables(flow.variables);
  const adam = new Adam(weights.length);
  const bar = opts.progress ? makeProgress(steps, { json: opts.json, label }) : { update() {}, setTotal() {}, stop() {} };
  const losses: number[] = [];
  const t0 = performance.now();
  let step = 0;
  return {
    get done() {
      return step >= steps;
    },
    /** the optimiser's current weights (live: copy to keep) */
    get weights(): Float32Array {
      return weights;
    },
    /** steps taken so far */
    get step() {
      return step;
    },
    /**
     * Change the planned number of steps (never below those done): the cosine schedule is re-aimed at
     * the new horizon, as a time budget needs once the cost of a step is known.
     */
    retarget(total: number) {
      if (!Number.isInteger(total) || total < 0) throw new Error(`training: steps must be a non-negative integer, got ${total}`);
      steps = Math.max(step, total);
      bar.setTotal(steps);
    },
    /** Write the optimiser's weights back into the variables (after a caller swapped others in). */
    restore() {
      assignVariables(flow.variables, weights);
    },
    advance() {
      const stepLR = cosineLR(lr, lrFinal, step, steps);
      const r = lossGradient(flow.variables, lossFn, batch, rng);
      const { loss, okFraction } = r;
      const grad = Float64Array.from(r.grad);
      const gradNorm = optimizerStep(adam, weights, grad, stepLR, clip);
      if (Number.isFinite(gradNorm)) assignVariables(flow.variables, weights);
      losses.push(loss);
      bar.update(step + 1, { loss, ok: okFraction });
      opts.onStep?.(step, loss, { okFraction, gradNorm, lr: stepLR });
      step++;
    },
    finish(interrupted: boolean): TrainResult {
      bar.stop();
      return { losses, seconds: (performance.now() - t0) / 1000, ...(interrupted ? { interrupted } : {}) };
    },
  };
}

export function trainWithLoss(flow: { readonly variables: tf.Variable[] }, opts: TrainOptions, label: string, lossFn: BatchLoss): TrainResult {
  const loop = trainLoop(flow, opts, label, lossFn);
  let result: TrainResult | undefined;
  try {
    while (!loop.done) loop.advance();
  } finally {
    result = loop.finish(false);
  }
  return result;
}

/**
 * The same loop, giving the event loop a turn between steps so that Ctrl-C (opts.signal) stops it
 * after the current step; the weights reached stay in flow.variables and `interrupted` says so.
 */
export async function trainWithLossAsync(flow: { readonly variables: tf.Variable[] }, opts: TrainOptions, label: string, lossFn: BatchLoss): Promise<TrainResult> {
  const loop = trainLoop(flow, opts, label, lossFn);
  let interrupted = false;
  let result: TrainResult | undefined;
  try {
    while (!loop.done) {
      await yieldToEventLoop();
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      loop.advance();
    }
  } finally {
    result = loop.finish(interrupted);
  }
  return result;
}

export interface ReverseKLOptions extends TrainOptions {
  /**
   * Gradient estimator of the reverse KL.
   * - 'total' (default): differentiate log q(x) − u(x) along the samples x = T_θ(z), through every
   *   dependence on θ (the usual reparametrisation gradient).
   * - 'path': drop the score term E_q[∂_θ log q_θ(x)]|_x, which vanishes in expectation, and keep
   *   only the path through the samples: ∇_x[log q_θ(x) − u(x)] · ∂_θ x (Roeder et al. 2017; Vaitl et
   *   al. 2022). Same expectation, but its variance goes to zero as q → p, so training keeps making
   *   progress where the total estimator is noise-limited. Needs flow.logProb differentiable in x
   *   (IRCPM stacks; not the float64 exact-mode CNF).
   */
  estimator?: 'total' | 'path';
}

/**
 * Reverse KL: minimise E_q[log q(x) − u(x)] over fresh flow samples (u = log-density up to a
 * constant). Samples with ok = 0 are masked out of the loss. The recorded loss is always the
 * minibatch estimate of E_q[log q − u] (an upper bound on −log Z), whichever estimator is used.
 */
export function trainReverseKL(flow: Flow, logp: Energy, opts: ReverseKLOptions): TrainResult {
  return trainWithLoss(flow, opts, 'reverse KL', reverseKLLoss(flow, logp, opts.estimator ?? 'total'));
}

/**
 * What reverse KL needs of a model, whatever its points are (rows of [B, m] on a manifold, link
 * tensors [B, L…, d] of a gauge field): reparametrised draws with log q and ok, and, for the path
 * estimator, log q of given points differentiable in them.
 */
export interface ReverseKLModel<X extends tf.Tensor = tf.Tensor> {
  sample(n: number, rng: () => number): { x: X; logq: tf.Tensor1D; ok: tf.Tensor1D };
  logProb(x: X): tf.Tensor1D;
}

/** One minibatch of the reverse-KL objective with the chosen gradient estimator (see ReverseKLOptions). */
export function reverseKLLoss<X extends tf.Tensor>(flow: ReverseKLModel<X>, logp: (x: X) => tf.Tensor1D, estimator: 'total' | 'path' = 'total'): BatchLoss {
  if (estimator !== 'total' && estimator !== 'path') throw new Error(`reverse KL: estimator must be 'total' or 'path', got '${estimator}'`);
  return (batch, rng) => {
    const s = flow.sample(batch, rng);
    const okCount = s.ok.sum().dataSync()[0];
    const okB = tf.cast(s.ok, 'bool');
    const diff = tf.tidy(() => tf.where(okB, tf.sub(s.logq, logp(s.x)), tf.zerosLike(s.logq)));
    let loss: tf.Scalar;
    let report: number | undefined;
    if (estimator === 'total') {
      loss = tf.div(tf.sum(diff), Math.max(1, okCount)) as tf.Scalar;
    } else {
      report = tf.tidy(() => tf.sum(diff).dataSync()[0]) / Math.max(1, okCount);
      const gx = pathDirection(flow, logp, s.x, s.ok);
      // surrogate whose θ-gradient is Σ_i ∇_x[log q − u](x_i) · ∂_θ x_i / n_ok (gx carries no tape)
      loss = tf.tidy(() => tf.div(tf.sum(tf.mul(gx, s.x)), Math.max(1, okCount)) as tf.Scalar);
      gx.dispose();
    }
    const okFlags = s.ok.dataSync();
    const logWeights = Float64Array.from(diff.dataSync(), (d, i) => (okFlags[i] ? -d : -Infinity));
    tf.dispose([s.x, s.logq, s.ok, okB, diff]);
    return { loss, okFraction: okCount / batch, report, logWeights };
  };
}

/**
 * ∇_x[log q_θ(x) − u(x)] at the (detached) samples, zero on rows that failed, as a fresh tensor
 * outside the gradient tape: in the path estimator it is a constant weight, not a function of θ.
 */
function pathDirection<X extends tf.Tensor>(flow: ReverseKLModel<X>, logp: (x: X) => tf.Tensor1D, x: X, ok: tf.Tensor1D): X {
  const g = tf.tidy(() => {
    const xd = tf.tensor(x.dataSync() as Float32Array, x.shape) as X;
    const grad = tf.grad((z: tf.Tensor) => tf.sum(tf.sub(flow.logProb(z as X), logp(z as X))))(xd);
    // where, not a product: a failed row may hold NaN, and NaN · 0 is NaN
    const mask = tf.reshape(ok, [ok.shape[0], ...new Array<number>(x.rank - 1).fill(1)]);
    return tf.where(tf.cast(tf.broadcastTo(mask, x.shape), 'bool'), grad, tf.zerosLike(grad));
  });
  const out = tf.tensor(g.dataSync() as Float32Array, x.shape) as X;
  g.dispose();
  return out;
}

/** Maximum likelihood: minimise −E_data[log q(x)] over minibatches drawn with replacement. */
export function trainMaxLikelihood(flow: Flow, data: tf.Tensor2D, opts: TrainOptions): TrainResult {
  return trainWithLoss(flow, opts, 'max likelihood', maxLikelihoodLoss(flow, data));
}

/** A loss whose every sample counts (flow matching, CNFM: no sample can fail) as a BatchLoss. */
export function everySampleCounts(loss: (batch: number, rng: () => number) => tf.Scalar): BatchLoss {
  return (batch, rng) => ({ loss: loss(batch, rng), okFraction: 1 });
}

/** One minibatch of −E_data[log q(x)], drawn with replacement. */
export function maxLikelihoodLoss(flow: Flow, data: tf.Tensor2D): BatchLoss {
  const N = data.shape[0];
  if (N === 0) throw new Error('maximum likelihood: empty data set');
  return (batch, rng) => {
    const idx = new Int32Array(batch);
    for (let i = 0; i < batch; i++) idx[i] = Math.floor(rng() * N);
    const loss = tf.tidy(() => tf.neg(tf.mean(flow.logProb(tf.gather(data, tf.tensor1d(idx, 'int32'))))) as tf.Scalar);
    return { loss, okFraction: 1 };
  };
}

/** Mean negative log-likelihood (nats) of a data set, in batches, accumulated in float64. */
export function meanNLL(flow: Flow, data: tf.Tensor2D, batch = 2000): number {
  const N = data.shape[0];
  let s = 0;
  for (let i = 0; i < N; i += batch) {
    const b = Math.min(batch, N - i);
    const lp = tf.tidy(() => flow.logProb(tf.slice(data, [i, 0], [b, data.shape[1]])).dataSync());
    for (const v of lp) s -= v;
  }
  return s / N;
}
