/**
 * Merging proposal shards into the run one machine would have produced: check that the shard files
 * in a directory form one complete run (same run header, every shard index 0..M−1 exactly once,
 * checksums right), then pass every chain over its batches in order with the runner's own pieces
 * (flowPasses, FlowPass.push, flowChainResults from samplers/runner_flow.ts). The result is a
 * RunResult that the same analysis as `sample` turns into the same numbers, bit for bit.
 *
 * Only shard files (`*.gfshard`) are read; their configurations, if saved, are skipped. Nothing is
 * written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { estimateRunMemory, formatBytes } from '../../samplers/memory.ts';
import { chainTasks, type RunResult } from '../../samplers/runner.ts';
import { flowChainResults, flowPasses } from '../../samplers/runner_flow.ts';
import { openShard, shardRecords, type OpenShard, type ShardHeader } from './file.ts';
import { SHARD_EXTENSION, shardFileName } from './layout.ts';
import { timingPath, type ShardTiming } from './propose.ts';

export interface MergeResult {
  /** header of shard 0 (the run is the same in all) */
  header: ShardHeader;
  /** the flow spec with shard 0's proposal (as `sample --sampler flow` reports it) */
  spec: SamplerSpec;
  files: string[];
  result: RunResult;
  /** the backends that drew the shards (one, unless the shards ran on different machines' backends) */
  backends: string[];
  /** summed over shards; null when a shard's timing sidecar is missing */
  generationSeconds: number | null;
  /** seconds this merge took (checksums, pass) */
  mergeSeconds: number;
  /** draws read */
  draws: number;
}

/** The first key path where two JSON values differ, for mismatch messages. */
function firstDifference(a: unknown, b: unknown, at = 'run'): string {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const [x, y] = [(a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]];
    if (JSON.stringify(x) !== JSON.stringify(y)) return firstDifference(x, y, `${at}.${k}`);
  }
  return at;
}

/** Opens and checks every shard of the directory; the files in shard order. */
export function checkShards(dir: string): OpenShard[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(SHARD_EXTENSION))
    .sort();
  if (names.length === 0) throw new Error(`no shard files (*${SHARD_EXTENSION}) in ${dir}`);
  const shards = names.map((f) => openShard(join(dir, f)));
  const ref = shards[0]!;
  const refRun = JSON.stringify(ref.header.run);
  const count = ref.header.shard.count;
  const byIndex = new Map<number, OpenShard>();
  for (const s of shards) {
    const h = s.header;
    if (JSON.stringify(h.run) !== refRun)
      throw new Error(`shard file ${s.path} belongs to another run than ${ref.path} (${firstDifference(ref.header.run, h.run)})`);
    if (h.shard.count !== count) throw new Error(`shard file ${s.path} is shard ${h.shard.index} of ${h.shard.count}, but ${ref.path} is one of ${count}: shards of different splits in ${dir}`);
    const dup = byIndex.get(h.shard.index);
    if (dup) throw new Error(`shard ${h.shard.index}/${count} appears twice: ${dup.path} and ${s.path}`);
    byIndex.set(h.shard.index, s);
  }
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) {
    const show = missing.slice(0, 10).map((i) => `${i} (${shardFileName({ index: i, count })})`);
    throw new Error(`${missing.length} of ${count} shards missing in ${dir}: ${show.join(', ')}${missing.length > 10 ? ', …' : ''}`);
  }
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  // every batch exactly once: the ranges (validated against the layout per file) must tile 0..T−1
  let next = 0;
  for (const s of ordered) {
    if (s.header.batches.first !== next) throw new Error(`shard file ${s.path}: batches start at ${s.header.batches.first}, expected ${next}`);
    next = s.header.batches.end;
  }
  if (next !== ref.header.run.totalBatches) throw new Error(`the shards in ${dir} cover batches 0..${next - 1} of ${ref.header.run.totalBatches}`);
  return ordered;
}

function readTiming(shardPath: string): ShardTiming | null {
  const p = timingPath(shardPath);
  if (!existsSync(p)) return null;
  try {
    const t = JSON.parse(readFileSync(p, 'utf8')) as ShardTiming;
    return Array.isArray(t.drawSecondsPerChain) && typeof t.wallSeconds === 'number' ? t : null;
  } catch {
    return null; // times are informational: a broken sidecar only costs the per-second figures
  }
}

/**
 * Bytes the merge holds, from the run header (before the pass allocates anything): every chain's
 * measurement series (samplers/memory.ts, as for a flow run of `sample`) and one shard record being
 * read (log-weights and observables; configurations are never read).
 */
export function mergeMemory(h: ShardHeader): { total: number; detail: string } {
  const run = h.run;
  const m = run.observables.length;
  const { batch } = run.spec;
  const series = estimateRunMemory({ ...run.spec, batch } as SamplerSpec, { chains: run.chains, nPerChain: run.nPerChain, therm: run.therm, measEvery: run.measEvery, observables: m, workers: 0 }).perChain;
  const record = 8 * (1 + m + batch * (1 + m));
  return {
    total: run.chains * series + record,
    detail: `measurements ${formatBytes(series)} per chain × ${run.chains} chain${run.chains > 1 ? 's' : ''} + one record of ${batch} draws (${formatBytes(record)})`,
  };
}

/**
 * `beforePass` runs once the shards are checked and before the pass allocates the chains' series
 * (the CLI's memory check: src/cli/merge.ts).
 */
export function mergeShards(dir: string, opts: { beforePass?: (header: ShardHeader) => void } = {}): MergeResult {
  const t0 = performance.now();
  const shards = checkShards(dir);
  const h = shards[0]!.header;
  opts.beforePass?.(h);
  const run = h.run;
  const { batch, ...rest } = run.spec;
  const spec: SamplerSpec = { ...rest, proposal: h.proposal, batch };
  const tasks = chainTasks({ spec, seed: run.seed, chains: run.chains, workers: 0, nPerChain: run.nPerChain, therm: run.therm, measEvery: run.measEvery, wilsonLoops: run.wilsonLoops });
  const passes = flowPasses(tasks, run.observables.length);
  const K = run.chains;
  const proposals = new Array<number>(K).fill(0);
  let draws = 0;
  for (const s of shards) {
    for (const r of shardRecords(s)) {
      const k = r.g % K;
      passes[k]!.push(r, r.start);
      proposals[k]! += r.logw.length;
      draws += r.logw.length;
    }
  }
  const timings = shards.map((s) => readTiming(s.path));
  const complete = timings.every((t) => t !== null && t.drawSecondsPerChain.length === K);
  const drawSeconds = new Array<number>(K).fill(complete ? 0 : NaN);
  let generationSeconds = complete ? 0 : NaN;
  if (complete) {
    for (const t of timings as ShardTiming[]) {
      generationSeconds += t.wallSeconds;
      for (let k = 0; k < K; k++) drawSeconds[k]! += t.drawSecondsPerChain[k]!;
    }
  }
  const chains = flowChainResults(passes, run.observables, proposals, drawSeconds);
  const interrupted = chains.some((c) => c.interrupted);
  if (interrupted) throw new Error(`the shards in ${dir} hold fewer draws than the run needs (a bug: the layout check passed)`);
  return {
    header: h,
    spec,
    files: shards.map((s) => s.path),
    // wall seconds of generation summed over the shards: proposals per second is then per process
    result: { chains, interrupted, wallSeconds: generationSeconds, workers: 0 },
    backends: [...new Set(shards.map((s) => s.header.backend))],
    generationSeconds: complete ? generationSeconds : null,
    mergeSeconds: (performance.now() - t0) / 1000,
    draws,
  };
}
