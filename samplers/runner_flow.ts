/**
 * Flow chains in the multi-chain runner: K independence-Metropolis chains whose proposals come
 * from a field proposal module (sampler 'flow'). Proposal batches are drawn on worker threads —
 * or in this thread for workers 0/1 — and come back as log-weights and observables only; the
 * main thread keeps a bounded queue of pending batches, issued round robin over the chains in
 * (batch, chain) order, and runs each chain's sequential pass (samplers/flow_pass.ts) over its
 * batches in order. Batch b of chain k depends on (seed, k, b) alone and the pass on (seed, k), so
 * the chains are bit-identical for any number of workers; a chain of n draws is the prefix of a
 * longer one with the same seed and batch size (batches are always drawn whole).
 *
 * Stopping: aborting `signal` stops every chain at its next batch boundary; batches still in
 * flight are dropped and what was passed is returned with `interrupted: true`.
 */
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { makeLattice } from '../lattices/geometry.ts';
import { parseGroup } from '../lattices/group.ts';
import { makeRng } from '../lattices/random.ts';
import { importanceEssOfSums } from './diagnostics/importance_stream.ts';
import { drawFlowBatch, ProposalCache, type FlowBatchResult, type FlowBatchTask } from './flow_batch.ts';
import { FlowPass } from './flow_pass.ts';
import { observableNames, validateWilsonLoops } from './observables.ts';
import { FLOW_DEFAULT_BATCH, validateSpec } from './registry.ts';
import type { RunOptions, RunResult } from './runner.ts';
import type { ChainResult, ChainTask } from './runner_chain.ts';

const workerScript = fileURLToPath(new URL('./worker.mjs', import.meta.url));

/** Pending batches per worker thread: enough to keep every worker busy while the pass runs. */
const PENDING_PER_WORKER = 3;

export async function runFlowChains(opts: RunOptions, tasks: ChainTask[]): Promise<RunResult> {
  const spec = opts.spec;
  validateSpec(spec);
  if (opts.saveConfigs) throw new Error('save-configs is not supported for flow chains yet: they keep only the observables of each draw, never configurations');
  if (opts.kernelModule || opts.buildKernel) throw new Error("sampler 'flow' takes a proposal (spec.proposal), not a kernel (kernelModule / buildKernel)");
  if (opts.start === 'cold') throw new Error("start 'cold' does not apply to flow chains: they start from a proposal draw");
  const lattice = makeLattice(new Array<number>(spec.dims).fill(spec.L));
  const group = parseGroup(spec.group, spec.group === 'suN' ? spec.N : undefined);
  const wilsonLoops = opts.wilsonLoops ?? [];
  validateWilsonLoops(lattice, wilsonLoops);
  const names = observableNames(lattice, group, wilsonLoops);
  const batchSize = spec.batch ?? FLOW_DEFAULT_BATCH;

  const t0 = performance.now();
  const passes = tasks.map(
    (t) => new FlowPass({ nObs: names.length, therm: t.therm, nMeas: t.nMeas, measEvery: t.measEvery, rng: makeRng(t.seed, 'chain', t.chain, 'accept') }),
  );
  const K = tasks.length;
  const proposals = tasks.map(() => 0);
  const drawSeconds = tasks.map(() => 0);
  const nBatches = Math.ceil(passes[0]!.wanted / batchSize); // every chain wants the same number of draws
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

  const workers = opts.workers <= 1 ? 0 : opts.workers; // batches, not chains, are the unit of work
  const cache = workers === 0 ? new ProposalCache() : null;
  const pool = workers > 0 ? workerpool.pool(workerScript, { workerType: 'thread', maxWorkers: workers, minWorkers: workers }) : null;
  const exec = (task: FlowBatchTask): Promise<FlowBatchResult> =>
    pool ? (pool.exec('flowBatch', [task]) as Promise<FlowBatchResult>) : drawFlowBatch(task, cache!);
  const maxPending = workers === 0 ? 1 : PENDING_PER_WORKER * workers;
  const queue: { k: number; p: Promise<FlowBatchResult> }[] = [];
  try {
    let next = 0;
    while (!stopped()) {
      while (queue.length < maxPending && next < nBatches * K) {
        const b = Math.floor(next / K);
        const k = next % K;
        next++;
        const p = exec({ spec, names, seed: opts.seed, chain: k, batch: b, n: batchSize });
        p.catch(() => {}); // awaited in order below; dropped ones (after an abort or error) must not go unhandled
        queue.push({ k, p });
      }
      const head = queue.shift();
      if (!head) break;
      const r = await head.p;
      if (stopped()) break;
      done[head.k]! += passes[head.k]!.push(r, r.start);
      proposals[head.k]! += r.logw.length;
      drawSeconds[head.k]! += r.drawSeconds;
      progress(false);
      // in-process batches run in this thread: let signals and timers in between batches
      if (!pool) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    if (pool) await pool.terminate(true);
    if (cache) await cache.dispose();
  }
  progress(true);

  const chains: ChainResult[] = passes.map((pass, k) => {
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
  return { chains, interrupted: chains.some((c) => c.interrupted), wallSeconds: (performance.now() - t0) / 1000, workers };
}
