/**
 * The sequential accept/reject pass of one independence-Metropolis chain, over draws reduced to
 * what the pass and the analysis need: the log-weight log p − log q and the observables measured
 * on the draw. Configurations never reach it, so memory is the measured series plus the current
 * state's observable row, whatever the chain length; and anything that produces the (log w,
 * observables) batches of a chain in batch order — the multi-chain runner, or a merge of proposal
 * shards computed elsewhere — gets exactly the same chain.
 *
 * Accept rule and start are those of independenceMetropolis (samplers/metropolis.ts): one uniform
 * of the chain's 'accept' stream per draw; the first draw starts the chain when its weight is
 * finite, otherwise the start is supplied (the first acceptable draw of the 'init' stream).
 */
import type { Rng } from '../lattices/random.ts';
import { addLogWeight, emptyImportance, type ImportanceSums } from './diagnostics/importance_stream.ts';
import { accepts, logAcceptance } from './metropolis.ts';

/** n draws of one chain: log w (float64, −∞ for a failed draw) and observables row-major n × nObs. */
export interface WeightedDraws {
  logw: Float64Array;
  obs: Float64Array;
}

/** A chain state: its log-weight (finite) and observable row. */
export interface WeightedState {
  logw: number;
  obs: Float64Array;
}

export interface FlowPassOptions {
  nObs: number;
  /** draws whose post-acceptance states are discarded before measuring */
  therm: number;
  /** measured states wanted */
  nMeas: number;
  /** draws between measured states (default 1) */
  measEvery?: number;
  /** the chain's accept stream, makeRng(seed, 'chain', k, 'accept') */
  rng: Rng;
}

export interface FlowPassResult {
  /** series[j][i]: observable j on measured state i (length = measured) */
  series: Float64Array[];
  measured: number;
  /** draws passed (thermalisation included) */
  draws: number;
  /** over the draws after thermalisation */
  postTherm: number;
  accepted: number;
  acceptProbSum: number;
  /** draws with log w = −∞ (failed proposals), thermalisation included */
  failedDraws: number;
  /** importance sums of every passed draw (thermalisation included) */
  importance: ImportanceSums;
}

export class FlowPass {
  /** draws the chain consumes in all: therm + nMeas·measEvery */
  readonly wanted: number;
  private readonly nObs: number;
  private readonly therm: number;
  private readonly measEvery: number;
  private readonly nMeas: number;
  private readonly rng: Rng;
  private series: Float64Array[];
  private current: WeightedState | null = null;
  private readonly out: Omit<FlowPassResult, 'series'>;

  constructor(opts: FlowPassOptions) {
    const measEvery = opts.measEvery ?? 1;
    for (const [k, v, min] of [['nObs', opts.nObs, 1], ['therm', opts.therm, 0], ['nMeas', opts.nMeas, 0], ['measEvery', measEvery, 1]] as const) {
      if (!Number.isInteger(v) || v < min) throw new Error(`flow pass: ${k} must be an integer ≥ ${min} (got ${String(v)})`);
    }
    this.nObs = opts.nObs;
    this.therm = opts.therm;
    this.nMeas = opts.nMeas;
    this.measEvery = measEvery;
    this.rng = opts.rng;
    this.wanted = opts.therm + opts.nMeas * measEvery;
    // grown by doubling: a chain asked for 10⁸ measurements but stopped early must not reserve them
    this.series = Array.from({ length: opts.nObs }, () => new Float64Array(Math.min(opts.nMeas, 4096)));
    this.out = { measured: 0, draws: 0, postTherm: 0, accepted: 0, acceptProbSum: 0, failedDraws: 0, importance: emptyImportance() };
  }

  get done(): boolean {
    return this.out.draws >= this.wanted;
  }

  /** Does the next batch need a supplied start (no state yet and its first draw failed)? */
  needsStart(batch: WeightedDraws): boolean {
    return this.current === null && batch.logw.length > 0 && batch.logw[0] === -Infinity;
  }

  /**
   * Pass the next batch of the chain (in order). Draws past `wanted` are ignored. `start` is
   * required when needsStart(batch). Returns the number of draws consumed.
   */
  push(batch: WeightedDraws, start?: WeightedState): number {
    const n = batch.logw.length;
    const m = this.nObs;
    if (batch.obs.length !== n * m) throw new Error(`flow pass: ${n} log-weights but ${batch.obs.length} observables (expected ${n * m})`);
    if (this.needsStart(batch)) {
      if (!start || !(start.logw > -Infinity) || start.obs.length !== m) throw new Error('flow pass: the first draw failed and no valid start was supplied');
      this.current = { logw: start.logw, obs: start.obs.slice() };
    }
    const o = this.out;
    const use = Math.min(n, this.wanted - o.draws);
    let wx = this.current ? this.current.logw : -Infinity;
    let rowAt = -1; // the current state is row rowAt of this batch (−1: carried in this.current)
    for (let i = 0; i < use; i++) {
      const wy = batch.logw[i]!;
      if (Number.isNaN(wy) || wy === Infinity) throw new Error(`flow pass: log-weight of draw ${o.draws} is ${wy}`);
      addLogWeight(o.importance, wy);
      if (wy === -Infinity) o.failedDraws++;
      const logA = logAcceptance(wx, wy);
      const accepted = accepts(logA, this.rng());
      if (accepted) {
        wx = wy;
        rowAt = i;
      }
      if (wx === -Infinity) throw new Error(`flow pass: no acceptable draw yet at draw ${o.draws} (all weights −∞)`);
      o.draws++;
      if (o.draws > this.therm) {
        o.postTherm++;
        if (accepted) o.accepted++;
        o.acceptProbSum += Math.exp(logA);
        if ((o.draws - this.therm) % this.measEvery === 0) this.record(rowAt < 0 ? this.current!.obs : batch.obs.subarray(rowAt * m, (rowAt + 1) * m));
      }
    }
    if (rowAt >= 0) this.current = { logw: wx, obs: batch.obs.slice(rowAt * m, (rowAt + 1) * m) };
    return use;
  }

  private record(row: Float64Array): void {
    const k = this.out.measured;
    if (k === this.series[0]!.length) {
      const cap = Math.min(this.nMeas, Math.max(1, 2 * k));
      this.series = this.series.map((old) => {
        const grown = new Float64Array(cap);
        grown.set(old);
        return grown;
      });
    }
    for (let j = 0; j < this.nObs; j++) this.series[j]![k] = row[j]!;
    this.out.measured++;
  }

  /** The chain so far (series trimmed to the measured length). */
  result(): FlowPassResult {
    return { ...this.out, importance: { ...this.out.importance }, series: this.series.map((s) => s.slice(0, this.out.measured)) };
  }
}

/**
 * The whole pass over the ordered batches of one chain (e.g. merged from shard files): `starts`
 * gives the supplied start for a batch index that needs one. Stops when `wanted` draws are passed.
 */
export function runFlowPass(
  batches: Iterable<WeightedDraws>,
  opts: FlowPassOptions,
  starts: (batchIndex: number) => WeightedState | undefined = () => undefined,
): FlowPassResult {
  const pass = new FlowPass(opts);
  let b = 0;
  for (const batch of batches) {
    if (pass.done) break;
    pass.push(batch, pass.needsStart(batch) ? starts(b) : undefined);
    b++;
  }
  return pass.result();
}
