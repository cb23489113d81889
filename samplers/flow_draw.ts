/**
 * Drawing a list of flow proposal batches (samplers/flow_batch.ts) and getting them back in list
 * order: in this thread (workers 0/1) or on a workerpool of worker threads, with a bounded number of
 * batches in flight so memory does not grow with the list. Each batch depends on (seed, chain,
 * batch) alone, so the results are bit-identical whatever the number of workers. The multi-chain
 * runner (samplers/runner_flow.ts) and a proposal shard (src/shards/propose.ts) both draw through it.
 */
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { drawFlowBatch, ProposalCache, type FlowBatchResult, type FlowBatchTask } from './flow_batch.ts';

const workerScript = fileURLToPath(new URL('./worker.mjs', import.meta.url));

/** Pending batches per worker thread: enough to keep every worker busy while the caller consumes (src/shards/propose.ts counts them in its memory estimate). */
export const PENDING_PER_WORKER = 3;

export interface DrawOptions {
  /** worker threads; 0 or 1 = draw in this thread */
  workers: number;
  /** checked between batches: when it returns true no further batch is issued or yielded */
  stopped?: () => boolean;
}

/** Worker threads actually used for `workers` (0 = in this thread). */
export function drawThreads(workers: number): number {
  return workers <= 1 ? 0 : workers;
}

/**
 * Yields the result of every task, in the order of `tasks` (an iterable, consumed lazily). Batches
 * in flight when the consumer stops or `stopped()` turns true are dropped; the pool is torn down
 * when the generator finishes, is returned early, or throws.
 */
export async function* drawInOrder(tasks: Iterable<FlowBatchTask>, opts: DrawOptions): AsyncGenerator<FlowBatchResult> {
  const workers = drawThreads(opts.workers);
  const stopped = opts.stopped ?? (() => false);
  const cache = workers === 0 ? new ProposalCache() : null;
  const pool = workers > 0 ? workerpool.pool(workerScript, { workerType: 'thread', maxWorkers: workers, minWorkers: workers }) : null;
  const exec = (task: FlowBatchTask): Promise<FlowBatchResult> =>
    pool ? (pool.exec('flowBatch', [task]) as Promise<FlowBatchResult>) : drawFlowBatch(task, cache!);
  const maxPending = workers === 0 ? 1 : PENDING_PER_WORKER * workers;
  const queue: Promise<FlowBatchResult>[] = [];
  const it = tasks[Symbol.iterator]();
  let exhausted = false;
  try {
    while (!stopped()) {
      while (!exhausted && queue.length < maxPending) {
        const next = it.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const p = exec(next.value);
        p.catch(() => {}); // awaited in order below; dropped ones (after a stop or an error) must not go unhandled
        queue.push(p);
      }
      const head = queue.shift();
      if (!head) break;
      const r = await head;
      if (stopped()) break;
      yield r;
      // in-process batches run in this thread: let signals and timers in between batches
      if (!pool) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    if (pool) await pool.terminate(true);
    if (cache) await cache.dispose();
  }
}
