/**
 * Which proposal batches a shard draws (docs/design.md § Sharded proposal generation).
 *
 * A flow run of K chains with B batches per chain has T = K·B batches. They are numbered in the
 * order the single-machine runner issues them, batch-major: global batch g = b·K + k is batch b of
 * chain k. Shard i of M draws the contiguous range [⌊i·T/M⌋, ⌊(i+1)·T/M⌋): sizes differ by at most
 * one when M does not divide T, every batch belongs to exactly one shard, and a shard is empty only
 * when M > T. Since every batch depends on (seed, k, b) alone, the assignment changes who draws a
 * batch, never what is drawn.
 */
import { UsageError } from '../cli/args.ts';

export interface ShardId {
  index: number;
  count: number;
}

export interface BatchRange {
  /** first global batch */
  first: number;
  /** one past the last */
  end: number;
}

export function shardRange(totalBatches: number, shard: ShardId): BatchRange {
  const { index: i, count: M } = shard;
  if (!Number.isInteger(totalBatches) || totalBatches < 0) throw new Error(`shardRange: total batches must be an integer ≥ 0, got ${totalBatches}`);
  if (!Number.isInteger(M) || M < 1 || !Number.isInteger(i) || i < 0 || i >= M) throw new Error(`shardRange: bad shard ${i}/${M}`);
  return { first: Math.floor((i * totalBatches) / M), end: Math.floor(((i + 1) * totalBatches) / M) };
}

/** Chain and per-chain batch of global batch g. */
export function batchOf(g: number, chains: number): { chain: number; batch: number } {
  return { chain: g % chains, batch: Math.floor(g / chains) };
}

/** The file a shard is written to inside the output directory (zero-padded so `ls` sorts them). */
export function shardFileName(shard: ShardId): string {
  const w = Math.max(4, String(shard.count).length);
  return `shard-${String(shard.index).padStart(w, '0')}-of-${String(shard.count).padStart(w, '0')}.gfshard`;
}

export const SHARD_EXTENSION = '.gfshard';

function intFrom(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const x = Number(raw);
  if (!Number.isInteger(x) || x < min) throw new UsageError(`--shard auto: ${name}=${JSON.stringify(raw)} is not an integer ≥ ${min}`);
  return x;
}

/**
 * The shard a process draws, from `--shard i/M`, or from the scheduler with `--shard auto`:
 * - SLURM job array (`sbatch --array=0-(M-1)`): SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, and
 *   SLURM_ARRAY_TASK_MIN / SLURM_ARRAY_TASK_STEP when set, so `--array=1-M` or a stepped range
 *   work too: i = (ID − MIN) / STEP;
 * - Kubernetes Indexed Job (completions M): JOB_COMPLETION_INDEX, with the count from `--shards M`.
 * `--shards M`, when given, must agree with the scheduler's count.
 */
export function resolveShard(flag: string, shardsFlag: number | undefined, env: NodeJS.ProcessEnv = process.env): ShardId & { source: string } {
  if (flag !== 'auto') {
    const m = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!m) throw new UsageError(`--shard expects i/M (e.g. 0/4) or auto, got '${flag}'`);
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (count < 1 || index >= count) throw new UsageError(`--shard ${flag}: need 0 ≤ i < M`);
    if (shardsFlag !== undefined && shardsFlag !== count) throw new UsageError(`--shards ${shardsFlag} disagrees with --shard ${flag}`);
    return { index, count, source: 'flag' };
  }
  const id = intFrom('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, 0);
  if (id !== undefined) {
    const count = intFrom('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT, 1);
    if (count === undefined) throw new UsageError('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    const min = intFrom('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN, 0) ?? 0;
    const step = intFrom('SLURM_ARRAY_TASK_STEP', env.SLURM_ARRAY_TASK_STEP, 1) ?? 1;
    const index = (id - min) / step;
    if (!Number.isInteger(index) || index < 0 || index >= count)
      throw new UsageError(
        `--shard auto: SLURM array task ${id} (min ${min}, step ${step}, count ${count}) is not one of ${count} evenly spaced tasks; submit with --array=0-${count - 1}`,
      );
    if (shardsFlag !== undefined && shardsFlag !== count) throw new UsageError(`--shards ${shardsFlag} disagrees with SLURM_ARRAY_TASK_COUNT=${count}`);
    return { index, count, source: `SLURM array task ${id}` };
  }
  const k8s = intFrom('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, 0);
  if (k8s !== undefined) {
    if (shardsFlag === undefined) throw new UsageError('--shard auto in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX is set) needs --shards M (the Job\'s completions)');
    if (k8s >= shardsFlag) throw new UsageError(`--shard auto: JOB_COMPLETION_INDEX=${k8s} is not below --shards ${shardsFlag}`);
    return { index: k8s, count: shardsFlag, source: `Kubernetes completion index ${k8s}` };
  }
  throw new UsageError(
    '--shard auto: neither SLURM_ARRAY_TASK_ID (a SLURM job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; outside a scheduler pass --shard i/M',
  );
}
