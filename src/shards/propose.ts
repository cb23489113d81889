/**
 * Drawing one proposal shard: the batches of shard i of M (src/shards/layout.ts), reduced to
 * log-weights and observables by the same batch function the multi-chain runner uses
 * (samplers/flow_batch.ts through samplers/flow_draw.ts, in this thread or on worker threads), and
 * streamed into one shard file (src/shards/file.ts) that appears only when complete.
 *
 * Times are kept out of the shard (so it is the same bytes whenever it is drawn) and go to a sidecar
 * `<shard>.timing.json` that merge reads, when present, for ESS per second and proposals per second.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { makeLattice } from '../../lattices/geometry.ts';
import { linkSize, parseGroup } from '../../lattices/group.ts';
import type { FlowBatchTask } from '../../samplers/flow_batch.ts';
import { drawInOrder, drawThreads, PENDING_PER_WORKER } from '../../samplers/flow_draw.ts';
import { flowBatchBytes, formatBytes, linkCount } from '../../samplers/memory.ts';
import type { WilsonLoopSize } from '../../samplers/observables.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { flowBatchesPerChain, flowObservableNames } from '../../samplers/runner_flow.ts';
import { writeFileAtomic } from '../io/write-atomic.ts';
import { makeHeader, openShard, shardFileBytes, ShardWriter, type ShardHeader } from './file.ts';
import { batchOf, shardFileName, shardRange, type ShardId } from './layout.ts';

export interface ProposeOptions {
  /** the flow spec, as `sample --sampler flow` builds it (src/cli/flow-spec.ts) */
  spec: SamplerSpec;
  /** the model file as given on the command line */
  model: string;
  seed: string;
  chains: number;
  nPerChain: number;
  therm: number;
  measEvery: number;
  wilsonLoops: WilsonLoopSize[];
  shard: ShardId;
  outDir: string;
  saveConfigs: boolean;
  workers: number;
  backend: string;
  signal?: AbortSignal;
  /** batches written / batches of the shard */
  onProgress?: (done: number, total: number) => void;
}

export interface ShardTiming {
  shard: ShardId;
  /** wall seconds from the first batch issued to the file renamed into place */
  wallSeconds: number;
  /** seconds of drawing and evaluating log p, per chain, over this shard's batches */
  drawSecondsPerChain: number[];
  proposals: number;
  workers: number;
  host: string;
  finishedAt: string;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The header the shard of these options will have (nothing is drawn). */
export function plannedHeader(o: ProposeOptions): ShardHeader {
  const spec = o.spec;
  if (spec.sampler !== 'flow' || !spec.proposal || spec.batch === undefined) throw new Error('propose: the spec must be a flow spec with a proposal and a batch size');
  const observables = flowObservableNames(spec, o.wilsonLoops);
  const batchesPerChain = flowBatchesPerChain(o.therm, o.nPerChain, o.measEvery, spec.batch);
  const totalBatches = o.chains * batchesPerChain;
  const lattice = makeLattice(new Array<number>(spec.dims).fill(spec.L));
  const group = parseGroup(spec.group, spec.group === 'suN' ? spec.N : undefined);
  const { proposal, ...rest } = spec;
  return makeHeader({
    run: {
      seed: o.seed,
      chains: o.chains,
      nPerChain: o.nPerChain,
      therm: o.therm,
      measEvery: o.measEvery,
      spec: { ...rest, batch: spec.batch },
      modelSha256: sha256File(o.model),
      wilsonLoops: o.wilsonLoops.map(([R, T]) => [R, T]),
      observables,
      batchesPerChain,
      totalBatches,
      configValues: o.saveConfigs ? lattice.volume * lattice.dims * linkSize(group) : 0,
    },
    shard: { index: o.shard.index, count: o.shard.count },
    batches: shardRange(totalBatches, o.shard),
    backend: o.backend,
    model: o.model,
    proposal,
  });
}

/**
 * Peak bytes of drawing a shard, estimated before anything is allocated (src/cli/preflight.ts
 * refuses what does not fit): every drawing thread holds one batch in flight (its draws and the
 * conditioner's activations, samplers/memory.ts flowBatchBytes), and up to PENDING_PER_WORKER
 * finished batches per thread (samplers/flow_draw.ts) wait here, each one shard record (log-weights,
 * observables and, with --save-configs, n·V·d·(link size) doubles of configurations). Records are
 * streamed to the file, so nothing grows with the length of the shard.
 */
export function proposeMemory(spec: SamplerSpec, o: { workers: number; saveConfigs: boolean; observables: number }): { total: number; detail: string } {
  const batch = spec.batch ?? 256;
  const threads = Math.max(1, drawThreads(o.workers));
  const pending = drawThreads(o.workers) === 0 ? 1 : PENDING_PER_WORKER * threads;
  const group = parseGroup(spec.group, spec.group === 'suN' ? spec.N : undefined);
  const configValues = o.saveConfigs ? linkCount(spec.dims, spec.L) * linkSize(group) : 0;
  const record = 8 * (1 + o.observables + batch * (1 + o.observables) + batch * configValues);
  const inFlight = flowBatchBytes(spec, batch);
  return {
    total: threads * inFlight + pending * record,
    detail: `${threads} batch${threads > 1 ? 'es' : ''} of ${batch} draws being drawn (≈ ${formatBytes(inFlight)} each) + ${pending} finished batch${pending > 1 ? 'es' : ''} waiting to be written (${formatBytes(record)} each${o.saveConfigs ? ', configurations included' : ''})`,
  };
}

export function shardPath(outDir: string, shard: ShardId): string {
  return join(outDir, shardFileName(shard));
}

export function timingPath(shardFile: string): string {
  return shardFile.replace(/\.gfshard$/, '') + '.timing.json';
}

/**
 * What is at the shard's path already: nothing, the same shard complete (re-running it would write
 * the same bytes), or something else (a different run, a corrupt file), with the reason.
 */
export function existingShard(path: string, header: ShardHeader): { state: 'absent' } | { state: 'same' } | { state: 'different'; reason: string } {
  if (!existsSync(path)) return { state: 'absent' };
  let old: ShardHeader;
  try {
    old = openShard(path).header;
  } catch (e) {
    return { state: 'different', reason: (e as Error).message };
  }
  return JSON.stringify(old) === JSON.stringify(header) ? { state: 'same' } : { state: 'different', reason: 'it is a shard of another run (its header differs)' };
}

/** Throws unless the file system under `dir` has room for `bytes` (with 1% to spare). */
export function checkRoom(dir: string, bytes: number): void {
  let free: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs here: the write itself will fail cleanly (temporary file removed)
  }
  if (bytes * 1.01 > free) throw new Error(`the shard needs ${(bytes / 2 ** 20).toFixed(1)} MiB but ${dir} has ${(free / 2 ** 20).toFixed(1)} MiB free`);
}

export interface ProposeResult {
  path: string;
  header: ShardHeader;
  interrupted: boolean;
  timing: ShardTiming;
}

/** Draws the shard and writes it (the caller has checked the path: see existingShard). */
export async function proposeShard(o: ProposeOptions, header: ShardHeader = plannedHeader(o)): Promise<ProposeResult> {
  const path = shardPath(o.outDir, o.shard);
  checkRoom(o.outDir, shardFileBytes(header));
  const { first, end } = header.batches;
  const K = o.chains;
  const spec = o.spec;
  const names = header.run.observables;
  const configs = header.run.configValues > 0;
  function* tasks(): Generator<FlowBatchTask> {
    for (let g = first; g < end; g++) {
      const { chain, batch } = batchOf(g, K);
      yield { spec, names, seed: o.seed, chain, batch, n: spec.batch!, ...(configs ? { configs } : {}) };
    }
  }
  const t0 = performance.now();
  const drawSeconds = new Array<number>(K).fill(0);
  let proposals = 0;
  let g = first;
  const stopped = () => o.signal?.aborted === true;
  const writer = new ShardWriter(path, header);
  try {
    for await (const r of drawInOrder(tasks(), { workers: o.workers, stopped })) {
      writer.writeBatch(r);
      drawSeconds[batchOf(g, K).chain]! += r.drawSeconds;
      proposals += r.logw.length;
      g++;
      o.onProgress?.(g - first, end - first);
    }
  } catch (e) {
    writer.abort();
    throw e;
  }
  const timing = (): ShardTiming => ({
    shard: header.shard,
    wallSeconds: (performance.now() - t0) / 1000,
    drawSecondsPerChain: drawSeconds,
    proposals,
    workers: o.workers,
    host: os.hostname(),
    finishedAt: new Date().toISOString(),
  });
  if (g < end) {
    writer.abort();
    return { path, header, interrupted: true, timing: timing() };
  }
  writer.commit();
  const t = timing();
  writeFileAtomic(timingPath(path), JSON.stringify(t, null, 2) + '\n', 'shard timing file');
  return { path, header, interrupted: false, timing: t };
}
