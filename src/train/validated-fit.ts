/**
 * Fitting a density to data with model selection on a validation split: the one loop behind
 * `gaugeflow fit --data` and bench/earth.ts, for any per-batch objective (CNF flow matching, IRCPM
 * maximum likelihood) of the shared training loop (train.ts: Adam, cosine decay, clipping).
 *
 * Every `evalEvery` steps the validation NLL is measured, of the exponential moving average of the
 * weights when `ema` > 0 (else of the weights themselves); the weights with the best validation NLL
 * are the ones returned in flow.variables ("best-validation selection"). Training stops at
 * `iterations`, after `patience` evaluations without improvement (early stopping), or when the
 * wall-clock budget `seconds` is spent: the cost of a step and of an evaluation is measured as it
 * goes, and the number of steps (the horizon of the cosine schedule) is re-planned to fit the budget.
 * Ctrl-C (`signal`) stops after the current step and leaves the weights reached (no selection).
 */
import type { tf } from '../backend/index.ts';
import { trainLoop, type BatchLoss } from './train.ts';
import { assignVariables } from './flat.ts';
import { yieldToEventLoop } from './stepwise.ts';

export interface ValidatedFitSettings {
  iterations: number;
  batch: number;
  lr: number;
  /** final learning rate as a fraction of lr (cosine decay) */
  lrFloor: number;
  /** global gradient-norm clip (Infinity: none) */
  clipNorm: number;
  /** steps between validation evaluations */
  evalEvery: number;
  /** evaluations without a new best validation NLL before stopping (Infinity: never) */
  patience: number;
  /** decay of the exponential moving average of the weights that are evaluated (0: none) */
  ema: number;
  /** wall-clock budget of training in seconds, validation included (Infinity: none) */
  seconds: number;
}

export interface ValidationPoint {
  it: number;
  loss: number;
  valNLL: number;
  seconds: number;
}

export interface ValidatedFitResult {
  /** steps taken */
  steps: number;
  /** step whose (averaged) weights were selected */
  selectedIteration: number;
  bestValNLL: number;
  stopped: 'iterations' | 'early-stop' | 'budget' | 'interrupted';
  seconds: number;
  log: ValidationPoint[];
  /** mean training loss of the last evaluation window */
  finalLoss: number | null;
}

export interface ValidatedFitOptions {
  rng: () => number;
  label?: string;
  progress?: boolean;
  json?: boolean;
  signal?: AbortSignal;
  onEval?: (p: ValidationPoint) => void;
}

/** Steps after which the cost of a step is first measured and the budget first planned. */
const PLAN_AFTER = 20;

export async function fitWithValidation(
  flow: { readonly variables: tf.Variable[] },
  lossFn: BatchLoss,
  valNLL: () => number,
  s: ValidatedFitSettings,
  opts: ValidatedFitOptions,
): Promise<ValidatedFitResult> {
  if (!(s.evalEvery >= 1 && Number.isInteger(s.evalEvery))) throw new Error(`validated fit: evalEvery must be a positive integer, got ${s.evalEvery}`);
  if (!(s.ema >= 0 && s.ema < 1)) throw new Error(`validated fit: ema must be in [0, 1), got ${s.ema}`);
  if (!(s.seconds > 0)) throw new Error(`validated fit: the time budget must be positive, got ${s.seconds}`);
  let acc = 0;
  let cnt = 0;
  const loop = trainLoop(
    flow,
    { steps: s.iterations, batch: s.batch, lr: s.lr, lrFinal: s.lrFloor, clipNorm: s.clipNorm, rng: opts.rng, progress: opts.progress, json: opts.json, onStep: (_k, loss) => ((acc += loss), cnt++) },
    opts.label ?? 'fit',
    lossFn,
  );
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const ema = s.ema > 0 ? Float64Array.from(loop.weights) : null;
  let best: { valNLL: number; it: number; weights: Float32Array } = { valNLL: Infinity, it: 0, weights: Float32Array.from(loop.weights) };
  const log: ValidationPoint[] = [];
  let evalSeconds = 0;
  let sinceBest = 0;
  let finalLoss: number | null = null;
  let stopped: ValidatedFitResult['stopped'] = 'iterations';

  /** Re-aim the horizon so that the remaining steps and evaluations fit the budget. */
  const plan = () => {
    if (!Number.isFinite(s.seconds)) return;
    const k = loop.step;
    const perStep = (elapsed() - evalSeconds) / k + (log.length ? evalSeconds / log.length / s.evalEvery : 0);
    const more = Math.floor((s.seconds - elapsed()) / perStep);
    loop.retarget(Math.min(s.iterations, k + Math.max(0, more)));
  };

  const validate = (): boolean => {
    const te = performance.now();
    const k = loop.step;
    let weights: Float32Array;
    if (ema) {
      weights = Float32Array.from(ema);
      assignVariables(flow.variables, weights);
    } else weights = Float32Array.from(loop.weights);
    const v = valNLL();
    if (ema) loop.restore();
    evalSeconds += (performance.now() - te) / 1000;
    finalLoss = cnt ? acc / cnt : finalLoss;
    const point = { it: k, loss: finalLoss ?? NaN, valNLL: v, seconds: elapsed() };
    acc = 0;
    cnt = 0;
    log.push(point);
    opts.onEval?.(point);
    if (v < best.valNLL) {
      best = { valNLL: v, it: k, weights };
      sinceBest = 0;
    } else if (++sinceBest >= s.patience) return false;
    return true;
  };

  try {
    while (!loop.done) {
      await yieldToEventLoop();
      if (opts.signal?.aborted) {
        stopped = 'interrupted';
        break;
      }
      loop.advance();
      if (ema) {
        // warm-up of the average (as in common EMA implementations): early weights are forgotten fast
        const k = loop.step;
        const d = Math.min(s.ema, (1 + k) / (10 + k));
        const w = loop.weights;
        for (let i = 0; i < w.length; i++) ema[i] = d * ema[i] + (1 - d) * w[i];
      }
      if (loop.step === PLAN_AFTER) plan();
      if (loop.step % s.evalEvery === 0 || loop.done) {
        if (!validate()) {
          stopped = 'early-stop';
          break;
        }
        const before = loop.done;
        plan();
        if (loop.done && !before) {
          stopped = 'budget';
        }
      }
    }
    if (loop.done && stopped === 'iterations' && loop.step < s.iterations) stopped = 'budget';
  } finally {
    loop.finish(stopped === 'interrupted');
  }
  if (stopped !== 'interrupted' && best.valNLL < Infinity) assignVariables(flow.variables, best.weights);
  return { steps: loop.step, selectedIteration: best.it, bestValNLL: best.valNLL, stopped, seconds: elapsed(), log, finalLoss };
}
