/**
 * Flow chains in the multi-chain runner: K independence-Metropolis chains whose proposals come
 * from a field proposal module (sampler 'flow'). Proposal batches are drawn on worker threads —
 * or in this thread for workers 0/1 — and come back as log-weights and observables only
 * (samplers/flow_draw.ts, a bounded number in flight), issued round robin over the chains in
 * (batch, chain) order; the main thread runs each chain's sequential pass (samplers/flow_pass.ts)
 * over its batches in order. Batch b of chain k depends on (seed, k, b) alone and the pass on
 * (seed, k), so the chains are bit-identical for any number of workers; a chain of n draws is the
 * prefix of a longer one with the same seed and batch size (batches are always drawn whole).
 *
 * The pieces a merge of proposal shards needs (src/shards/merge.ts) are exported and used here, so
 * that a merged run and a run of this function are the same code: the batch layout
 * (`flowBatchesPerChain`), the passes (`flowPasses`) and the chain results (`flowChainResults`).
 *
 * Stopping: aborting `signal` stops every chain at its next batch boundary; batches still in
 * flight are dropped and what was passed is returned with `interrupted: true`.
 */
import { makeLattice } from '../lattices/geometry.ts';
import { parseGroup } from '../lattices/group.ts';
import { makeRng } from '../lattices/random.ts';
import { importanceEssOfSums } from './diagnostics/importance_stream.ts';
import type { FlowBatchTask } from './flow_batch.ts';
import { drawInOrder, drawThreads } from './flow_draw.ts';
import { FlowPass } from './flow_pass.ts';
import { observableNames, validateWilsonLoops, type WilsonLoopSize } from './observables.ts';
import { FLOW_DEFAULT_BATCH, validateSpec, type SamplerSpec } from './registry.ts';
import type { RunOptions, RunResult } from './runner.ts';
import type { ChainResult, ChainTask } from './runner_chain.ts';

/** The observables a flow chain of `spec` measures (validates the Wilson loops). */
export function flowObservableNames(spec: SamplerSpec, wilsonLoops: WilsonLoopSize[] = []): string[] {
  const lattice = makeLattice(new Array<number>(spec.dims).fill(spec.L));
  const group = parseGroup(spec.group, spec.group === 'suN' ? spec.N : undefined);
  validateWilsonLoops(lattice, wilsonLoops);
  return observableNames(lattice, group, wilsonLoops);
}

/** Proposal batches each chain draws: whole batches covering therm + nMeas·measEvery draws. */
export function flowBatchesPerChain(therm: number, nMeas: number, measEvery: number, batch: number): number {
  return Math.ceil((therm + nMeas * measEvery) / batch);
}

/** One pass per chain task, on the chain's accept stream (seed, 'chain', k, 'accept'). */
export function flowPasses(tasks: ChainTask[], nObs: number): FlowPass[] {
  return tasks.map((t) => new FlowPass({ nObs, therm: t.therm, nMeas: t.nMeas, measEvery: t.measEvery, rng: makeRng(t.seed, 'chain', t.chain, 'accept') }));
}

/** The runner's chain results from finished (or stopped) passes. */
export function flowChainResults(passes: FlowPass[], names: string[], proposals: readonly number[], drawSeconds: readonly number[]): ChainResult[] {
  return passes.map((pass, k) => {
    const r = pass.result();
    return {
      chain: k,
      names,
      series: r.series,
      measured: r.measured,
      updates: r.draws,
      updateSeconds: drawSeconds[k]!,
      postThermUpdates: r.postTherm,
      accepted: r.accepted,
      acceptProbSum: r.acceptProbSum,
      expMinusDeltaH: new Float64Array(0),
      savedConfigs: 0,
      interrupted: !pass.done,
      flow: { proposals: proposals[k]!, failedDraws: r.failedDraws, importance: r.importance, importanceEss: importanceEssOfSums(r.importance) },
    };
  });
}

export async function runFlowChains(opts: RunOptions, tasks: ChainTask[]): Promise<RunResult> {
  const spec = opts.spec;
  validateSpec(spec);
  if (opts.saveConfigs) throw new Error('save-configs is not supported for flow chains yet: they keep only the observables of each draw, never configurations');
  if (opts.kernelModule || opts.buildKernel) throw new Error("sampler 'flow' takes a proposal (spec.proposal), not a kernel (kernelModule / buildKernel)");
  if (opts.start === 'cold') throw new Error("start 'cold' does not apply to flow chains: they start from a proposal draw");
  const names = flowObservableNames(spec, opts.wilsonLoops ?? []);
  const batchSize = spec.batch ?? FLOW_DEFAULT_BATCH;

  const t0 = performance.now();
  const passes = flowPasses(tasks, names.length);
  const K = tasks.length;
  const proposals = tasks.map(() => 0);
  const drawSeconds = tasks.map(() => 0);
  const t = tasks[0]!; // every chain wants the same number of draws
  const nBatches = flowBatchesPerChain(t.therm, t.nMeas, t.measEvery, batchSize);
  const total = passes.map((p) => p.wanted);
  const done = passes.map(() => 0);
  const stopped = () => opts.signal?.aborted === true;
  let lastProgress = -Infinity;
  const progress = (force: boolean) => {
    const now = performance.now();
    if (!opts.onProgress || (!force && now - lastProgress < 200)) return;
    lastProgress = now;
    opts.onProgress(done, total);
  };

  function* batchTasks(): Generator<FlowBatchTask> {
    for (let b = 0; b < nBatches; b++) for (let k = 0; k < K; k++) yield { spec, names, seed: opts.seed, chain: k, batch: b, n: batchSize };
  }
  let i = 0;
  for await (const r of drawInOrder(batchTasks(), { workers: opts.workers, stopped })) {
    const k = i++ % K;
    done[k]! += passes[k]!.push(r, r.start);
    proposals[k]! += r.logw.length;
    drawSeconds[k]! += r.drawSeconds;
    progress(false);
  }
  progress(true);

  const chains = flowChainResults(passes, names, proposals, drawSeconds);
  return { chains, interrupted: chains.some((c) => c.interrupted), wallSeconds: (performance.now() - t0) / 1000, workers: drawThreads(opts.workers) };
}
