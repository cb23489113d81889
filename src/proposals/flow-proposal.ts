/**
 * A trained flow as an MCMC proposal (docs/design.md, "MCMC"): draw a batch on TensorFlow.js, move it to float64
 * on the JS side, and hand it to independence Metropolis through the `Proposal` interface.
 *
 * Exactness: `flow.sample` flags every draw whose inner solve did not converge or whose map is not
 * certified injective (`ok = 0`). Such a draw has no trustworthy density, so it is reported with
 * log q = +∞ — a weight of −∞ that the Metropolis pass never accepts — instead of being dropped,
 * which would change the proposal distribution and make the chain depend on batch boundaries.
 */
import { tf } from '../backend/index.ts';
import type { Flow } from '../flows/types.ts';
import type { Proposal, ProposalBatch, Target } from '../../samplers/types.ts';

export interface FlowProposalStats {
  drawn: number;
  failed: number;
}

export interface FlowProposal extends Proposal<Float64Array> {
  readonly stats: FlowProposalStats;
}

export function flowProposal(flow: Flow): FlowProposal {
  const stats: FlowProposalStats = { drawn: 0, failed: 0 };
  return {
    stats,
    sample(n: number, rng: () => number): ProposalBatch<Float64Array> {
      if (!Number.isInteger(n) || n < 1) throw new Error(`flowProposal: batch size must be a positive integer, got ${n}`);
      const { x, logq, ok } = flow.sample(n, rng);
      try {
        const d = x.shape[1];
        const xv = x.dataSync();
        const lq = logq.dataSync();
        const okv = ok.dataSync();
        const xs: Float64Array[] = new Array(n);
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          xs[i] = Float64Array.from(xv.subarray(i * d, (i + 1) * d));
          const good = okv[i] > 0.5 && Number.isFinite(lq[i]);
          out[i] = good ? lq[i] : Infinity;
          if (!good) stats.failed++;
        }
        stats.drawn += n;
        return { xs, logq: out };
      } finally {
        tf.dispose([x, logq, ok]);
      }
    },
  };
}

/** A float64 target from a plain function of one point's coordinates (log density up to a constant). */
export function functionTarget(logp: (x: Float64Array) => number): Target<Float64Array> {
  return { logDensity: logp };
}
