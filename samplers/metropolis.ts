/**
 * Independence Metropolis with a plug-in proposal (docs/design.md, "Independence Metropolis and random streams").
 *
 * The proposal does not depend on the chain state, so all draws can be made first (in batches,
 * possibly asynchronously / on workers) and the cheap sequential accept/reject pass runs
 * afterwards with its own rng stream, consuming exactly one uniform per step. For chain k, batch b
 * is drawn with makeRng(seed, 'chain', k, 'proposal', b) and the pass uses
 * makeRng(seed, 'chain', k, 'accept'), so the chain is a deterministic function of
 * (seed, k, batchSize) whatever the concurrency of the drawing.
 *
 * Weights: w(x) = log p(x) − log q(x). A proposal that failed (e.g. an unconverged flow solve)
 * must report log q = +Infinity (or the target log p = −Infinity): its weight is −∞ and it is
 * never accepted. NaN anywhere is a bug and throws.
 */
import { makeRng, type Rng } from '../lattices/random.ts';
import type { Proposal, ProposalBatch, Target } from './types.ts';

export interface ChainPoint<X> {
  x: X;
  /** log p(x) − log q(x); −Infinity only before the first acceptance. */
  logw: number;
}

export interface PassResult<X> {
  /** Chain state after each step (references into the batch; repeated states share objects). */
  states: X[];
  accepted: Uint8Array;
  acceptProb: Float64Array;
  /** log p − log q of every proposal in order (for importance-weight ESS). */
  logw: Float64Array;
  /** Chain state after the last step, to continue with the next batch. */
  last: ChainPoint<X>;
}

/** log p − log q of one draw; NaN anywhere or log q = −∞ is a bug and throws. */
export function weight(logp: number, logq: number, where: string): number {
  if (Number.isNaN(logp) || Number.isNaN(logq)) throw new Error(`independenceMetropolis: NaN log density at ${where}`);
  if (logq === -Infinity) throw new Error(`independenceMetropolis: proposal reported log q = -Infinity at ${where}`);
  return logp - logq;
}

/**
 * The weight of draw x of a proposal batch. A failed draw (log q = +∞) has weight −∞ without
 * evaluating the target: its configuration is not to be trusted (it may hold NaN).
 */
export function drawWeight<X>(target: Target<X>, x: X, logq: number, where: string): number {
  return logq === Infinity ? -Infinity : weight(target.logDensity(x), logq, where);
}

/**
 * log of the acceptance probability of a proposal with log-weight `wy` against the current state's
 * `wx`: −∞ for a failed draw, 0 while the chain has no state yet (wx = −∞), else min(0, wy − wx).
 */
export function logAcceptance(wx: number, wy: number): number {
  if (wy === -Infinity) return -Infinity;
  if (wx === -Infinity) return 0;
  return Math.min(0, wy - wx);
}

/** The accept decision for one uniform u ∈ [0, 1) (always one uniform per step, so streams stay aligned). */
export function accepts(logA: number, u: number): boolean {
  return logA === 0 || Math.log(u) < logA;
}

/**
 * Sequential accept/reject over one batch of proposals. `current` is the chain state before the
 * batch; pass `null` to start the chain (the first step then always accepts a proposal with a
 * finite weight — starting from a draw of q is a valid initialisation for an independence
 * sampler).
 */
export function metropolisPass<X>(
  target: Target<X>,
  batch: ProposalBatch<X>,
  current: ChainPoint<X> | null,
  rng: Rng,
): PassResult<X> {
  const n = batch.xs.length;
  if (batch.logq.length !== n) throw new Error(`independenceMetropolis: batch has ${n} draws but ${batch.logq.length} log q values`);
  const states: X[] = new Array(n);
  const accepted = new Uint8Array(n);
  const acceptProb = new Float64Array(n);
  const logw = new Float64Array(n);
  let x = current ? current.x : (undefined as unknown as X);
  let wx = current ? current.logw : -Infinity;
  for (let i = 0; i < n; i++) {
    const y = batch.xs[i];
    const wy = drawWeight(target, y, batch.logq[i], `draw ${i}`);
    logw[i] = wy;
    const logA = logAcceptance(wx, wy);
    const u = rng(); // always one uniform per step so streams stay aligned
    acceptProb[i] = Math.exp(logA);
    if (accepts(logA, u)) {
      x = y;
      wx = wy;
      accepted[i] = 1;
    }
    if (wx === -Infinity) throw new Error(`independenceMetropolis: no acceptable proposal yet at draw ${i} (all weights -Infinity)`);
    states[i] = x;
  }
  return { states, accepted, acceptProb, logw, last: { x, logw: wx } };
}

export interface IndependenceOptions<X> {
  nSteps: number;
  batchSize: number;
  seed: string | number;
  /** Chain index k for the named random streams (default 0). */
  chain?: number;
  /** Batches drawn concurrently before each sequential pass (default 1). Does not change results. */
  concurrency?: number;
  /**
   * Start of the chain. Default: the first proposal draw; if that draw failed (weight −∞), the start
   * is the first acceptable draw from a separate stream makeRng(seed, 'chain', k, 'init'), so
   * rare proposal failures cannot abort a chain and the main streams stay as they are.
   */
  start?: { x: X; logp: number; logq: number } | null;
  /** Draws tried on the 'init' stream before giving up (default 10 000). */
  maxInitDraws?: number;
}

export interface IndependenceResult<X> {
  states: X[];
  accepted: Uint8Array;
  acceptProb: Float64Array;
  logw: Float64Array;
  acceptRate: number;
}

/** The first acceptable draw of the proposal on the chain's 'init' stream. */
export async function initialState<X>(target: Target<X>, proposal: Proposal<X>, seed: string | number, chain: number, batchSize: number, maxDraws: number): Promise<ChainPoint<X>> {
  const rng = makeRng(seed, 'chain', chain, 'init');
  for (let tried = 0; tried < maxDraws; ) {
    const n = Math.min(batchSize, maxDraws - tried);
    const batch = await Promise.resolve(proposal.sample(n, rng));
    for (let i = 0; i < batch.xs.length; i++) {
      const w = drawWeight(target, batch.xs[i], batch.logq[i], `init draw ${tried + i}`);
      if (w > -Infinity) return { x: batch.xs[i], logw: w };
    }
    tried += n;
  }
  throw new Error(`independenceMetropolis: chain ${chain} found no acceptable start in ${maxDraws} proposal draws (every one failed or has target density 0)`);
}

export async function independenceMetropolis<X>(
  target: Target<X>,
  proposal: Proposal<X>,
  opts: IndependenceOptions<X>,
): Promise<IndependenceResult<X>> {
  const { nSteps, batchSize } = opts;
  if (!Number.isInteger(nSteps) || nSteps < 1) throw new Error(`nSteps must be an integer >= 1 (got ${nSteps})`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be an integer >= 1 (got ${batchSize})`);
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be an integer >= 1 (got ${concurrency})`);
  const chain = opts.chain ?? 0;
  if (!Number.isInteger(chain) || chain < 0) throw new Error(`chain must be an integer >= 0 (got ${chain})`);
  const acceptRng = makeRng(opts.seed, 'chain', chain, 'accept');
  const states: X[] = [];
  const accepted = new Uint8Array(nSteps);
  const acceptProb = new Float64Array(nSteps);
  const logw = new Float64Array(nSteps);
  let current: ChainPoint<X> | null = opts.start
    ? { x: opts.start.x, logw: weight(opts.start.logp, opts.start.logq, 'start') }
    : null;
  const nBatches = Math.ceil(nSteps / batchSize);
  let done = 0;
  for (let b0 = 0; b0 < nBatches; b0 += concurrency) {
    const ids: number[] = [];
    for (let b = b0; b < Math.min(nBatches, b0 + concurrency); b++) ids.push(b);
    const batches = await Promise.all(
      ids.map((b) => Promise.resolve(proposal.sample(Math.min(batchSize, nSteps - b * batchSize), makeRng(opts.seed, 'chain', chain, 'proposal', b)))),
    );
    for (const batch of batches) {
      if (current === null && batch.xs.length > 0 && drawWeight(target, batch.xs[0], batch.logq[0], 'draw 0') === -Infinity) {
        current = await initialState(target, proposal, opts.seed, chain, batchSize, opts.maxInitDraws ?? 10000);
      }
      const r = metropolisPass(target, batch, current, acceptRng);
      accepted.set(r.accepted, done);
      acceptProb.set(r.acceptProb, done);
      logw.set(r.logw, done);
      for (const s of r.states) states.push(s);
      done += r.states.length;
      current = r.last;
    }
  }
  if (done !== nSteps) throw new Error(`independenceMetropolis: proposal returned ${done} draws, expected ${nSteps}`);
  let acc = 0;
  for (let i = 0; i < nSteps; i++) acc += accepted[i];
  return { states, accepted, acceptProb, logw, acceptRate: acc / nSteps };
}
