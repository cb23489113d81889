/**
 * Importance-sampling diagnostics of a flow against an unnormalised target, from fresh samples:
 * ESS = (Σw)²/(N Σw²) and KL(q‖p) = E_q[log q − log p̃] + log Z, with log-weights accumulated in
 * float64 on the JS side. Samples whose `ok` flag is 0 (unconverged solve, negative determinant) are
 * rejected: they count in N with weight 0, so a flow cannot hide failures.
 */
import { tf } from '../backend/index.ts';
import type { Flow } from '../flows/types.ts';
import type { Energy } from '../targets/index.ts';

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

export function evaluate(flow: Flow, logp: Energy, n = 20000, rng: () => number = Math.random, opts: { batch?: number; exactLogZ?: number } = {}): Evaluation {
  const batch = opts.batch ?? 2000;
  const logw: number[] = [];
  let rejected = 0;
  for (let done = 0; done < n; done += batch) {
    const b = Math.min(batch, n - done);
    const [lw, ok] = tf.tidy(() => {
      const s = flow.sample(b, rng);
      return [tf.sub(logp(s.x), s.logq).dataSync(), s.ok.dataSync()];
    });
    for (let i = 0; i < b; i++) {
      if (ok[i] && Number.isFinite(lw[i])) logw.push(lw[i]);
      else rejected++;
    }
  }
  if (logw.length === 0) throw new Error('evaluate: no sample converged');
  const m = Math.max(...logw);
  let s1 = 0;
  let s2 = 0;
  let mean = 0;
  for (const l of logw) {
    const w = Math.exp(l - m);
    s1 += w;
    s2 += w * w;
    mean += l;
  }
  mean /= logw.length;
  const ess = (s1 * s1) / (n * s2);
  const logZ = m + Math.log(s1 / n);
  // KL of the accepted proposal (renormalised over ok samples) to p: ≥ 0 by Jensen
  const kl = m + Math.log(s1 / logw.length) - mean;
  const out: Evaluation = { ess, kl, logZ, n, okFraction: logw.length / n };
  if (opts.exactLogZ !== undefined) out.klExact = opts.exactLogZ - mean - Math.log(logw.length / n);
  void rejected;
  return out;
}
