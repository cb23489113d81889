/**
 * Importance-sampling diagnostics of a flow against an unnormalised target, from fresh samples:
 * ESS = (Σw)²/(N Σw²) and KL(q‖p) = E_q[log q − log p̃] + log Z, with log-weights accumulated in
 * float64 on the JS side. Samples whose `ok` flag is 0 (unconverged solve, negative determinant) are
 * rejected: they count in N with weight 0, so a flow cannot hide failures.
 */
import { tf } from '../backend/index.ts';
import type { Flow } from '../flows/types.ts';
import type { Energy } from '../targets/index.ts';
import { importanceEss, logMeanExp } from '../../samplers/diagnostics/index.ts';
import { runInterruptible, runToEnd } from './stepwise.ts';

export interface Evaluation {
  ess: number;
  /** KL(q‖p) with log Z estimated from the same samples; with rejections, q is the proposal
   *  restricted to ok samples and renormalised (the rejection rate is `okFraction`) */
  kl: number;
  /** importance-sampling estimate of log Z */
  logZ: number;
  n: number;
  okFraction: number;
  /** KL using the exact log Z, when known */
  klExact?: number;
}

export interface EvaluateOptions {
  /** samples drawn at a time (2000) */
  batch?: number;
  exactLogZ?: number;
}

export function evaluate(flow: Flow, logp: Energy, n = 20000, rng: () => number = Math.random, opts: EvaluateOptions = {}): Evaluation {
  return runToEnd(evaluation(flow, logp, n, rng, opts));
}

/**
 * evaluate with a turn of the event loop between batches (a CNF's 20 000 exact samples take about a
 * minute), so that Ctrl-C (`signal`) is seen: null once it has aborted.
 */
export function evaluateInterruptible(flow: Flow, logp: Energy, n: number, rng: () => number, opts: EvaluateOptions & { signal?: AbortSignal }): Promise<Evaluation | null> {
  return runInterruptible(evaluation(flow, logp, n, rng, opts), opts.signal);
}

/** The one evaluation loop, pausing after each batch (stepwise.ts). */
function* evaluation(flow: Flow, logp: Energy, n: number, rng: () => number, opts: EvaluateOptions): Generator<void, Evaluation> {
  const batch = opts.batch ?? 2000;
  const logw: number[] = [];
  for (let done = 0; done < n; done += batch) {
    const b = Math.min(batch, n - done);
    // log p and log q leave tfjs separately so that their difference is taken in float64
    const [lp, lq, ok] = tf.tidy(() => {
      const s = flow.sample(b, rng);
      return [logp(s.x).dataSync(), s.logq.dataSync(), s.ok.dataSync()];
    });
    for (let i = 0; i < b; i++) {
      const w = lp[i] - lq[i];
      if (ok[i] && Number.isFinite(w)) logw.push(w);
    }
    yield;
  }
  if (logw.length === 0) throw new Error('evaluate: no sample converged');
  const okFraction = logw.length / n;
  let mean = 0;
  for (const l of logw) mean += l;
  mean /= logw.length;
  const logMeanW = logMeanExp(logw);
  // rejected samples are weight-0 members of the n draws: both ESS/N and Z scale by the ok fraction
  const out: Evaluation = {
    ess: importanceEss(logw) * okFraction,
    // KL of the accepted proposal (renormalised over ok samples) to p: ≥ 0 by Jensen
    kl: logMeanW - mean,
    logZ: logMeanW + Math.log(okFraction),
    n,
    okFraction,
  };
  if (opts.exactLogZ !== undefined) out.klExact = opts.exactLogZ - mean - Math.log(okFraction);
  return out;
}
