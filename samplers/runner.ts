/**
 * Multi-chain runner: K independent chains of a baseline (or plugged-in) kernel, in the main
 * thread (workers 0 or 1) or on a workerpool of worker threads. Chain k depends only on
 * (seed, k), so the measurements are bit-identical whatever the number of workers. Sampler
 * 'flow' runs independence-Metropolis chains over proposal batches instead (runner_flow.ts).
 *
 * Stopping: aborting `signal` makes every chain stop at its next update; what was measured so far
 * is returned with `interrupted: true` (the CLI wires SIGINT to it).
 */
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { runFlowChains } from './runner_flow.ts';
import { runChain, validateTask, type ChainResult, type ChainTask, type KernelBuilder } from './runner_chain.ts';
import type { SamplerSpec } from './registry.ts';
import type { WilsonLoopSize } from './observables.ts';
import type { ProgressEvent } from './worker.ts';

export type { ChainResult, ChainTask } from './runner_chain.ts';

export interface RunOptions {
  spec: SamplerSpec;
  seed: string | number;
  chains: number;
  /** worker threads; 0 or 1 = run the chains in this thread, taking turns */
  workers: number;
  /** measured configurations per chain */
  nPerChain: number;
  /** thermalisation updates per chain (flow: draws whose post-acceptance states are discarded) */
  therm: number;
  /** updates between measurements (default 1) */
  measEvery?: number;
  start?: 'hot' | 'cold';
  wilsonLoops?: WilsonLoopSize[];
  saveConfigs?: { dir: string; every: number };
  signal?: AbortSignal;
  /** done[k] / total[k] updates (flow: draws passed) of chain k; called at most every ~200 ms per chain */
  onProgress?: (done: readonly number[], total: readonly number[]) => void;
  /** module exporting buildKernel(spec) for custom kernels (works with workers) */
  kernelModule?: string;
  /** in-process only (workers 0/1): a kernel builder function */
  buildKernel?: KernelBuilder;
}

export interface RunResult {
  chains: ChainResult[];
  interrupted: boolean;
  wallSeconds: number;
  /** worker threads actually used (0 = in-process) */
  workers: number;
}

const workerScript = fileURLToPath(new URL('./worker.mjs', import.meta.url));

export function chainTasks(opts: RunOptions): ChainTask[] {
  if (!Number.isInteger(opts.chains) || opts.chains < 1) throw new Error(`chains must be an integer ≥ 1, got ${opts.chains}`);
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new Error(`workers must be an integer ≥ 0, got ${opts.workers}`);
  return Array.from({ length: opts.chains }, (_, chain) => {
    const task: ChainTask = {
      spec: opts.spec,
      seed: opts.seed,
      chain,
      therm: opts.therm,
      nMeas: opts.nPerChain,
      measEvery: opts.measEvery ?? 1,
      start: opts.start ?? 'hot',
      wilsonLoops: opts.wilsonLoops ?? [],
    };
    if (opts.saveConfigs) task.saveConfigs = opts.saveConfigs;
    if (opts.kernelModule) task.kernelModule = opts.kernelModule;
    validateTask(task);
    return task;
  });
}

export async function runChains(opts: RunOptions): Promise<RunResult> {
  const tasks = chainTasks(opts);
  if (opts.spec.sampler === 'flow') return runFlowChains(opts, tasks);
  const t0 = performance.now();
  const total = tasks.map((t) => t.therm + t.nMeas * t.measEvery);
  const done = tasks.map(() => 0);
  const report = (k: number, d: number) => {
    done[k] = d;
    opts.onProgress?.(done, total);
  };
  const workers = opts.workers <= 1 ? 0 : Math.min(opts.workers, tasks.length);
  if (workers > 0 && opts.buildKernel) {
    throw new Error('runChains: a buildKernel function cannot be sent to worker threads; use kernelModule or workers 0');
  }

  let chains: ChainResult[];
  if (workers === 0) {
    // The chains take turns in ~50 ms slices (each pauses between updates, never inside one), so
    // an interrupted in-process run still has comparable statistics from every chain.
    const stopped = () => opts.signal?.aborted === true;
    chains = await Promise.all(
      tasks.map((task) =>
        runChain(task, {
          shouldStop: stopped,
          progress: (d: number) => report(task.chain, d),
          pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
          ...(opts.buildKernel ? { buildKernel: opts.buildKernel } : {}),
        }),
      ),
    );
  } else {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(stop, 0, 1);
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    const pool = workerpool.pool(workerScript, { workerType: 'thread', maxWorkers: workers, minWorkers: workers });
    try {
      chains = await Promise.all(
        tasks.map(
          (task) =>
            pool.exec('runChain', [task, stop.buffer], {
              on: (e: ProgressEvent) => report(e.chain, e.done),
            }) as Promise<ChainResult>,
        ),
      );
    } catch (e) {
      onAbort(); // let the other chains finish quickly before the pool goes down
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      await pool.terminate();
    }
  }
  return {
    chains,
    interrupted: chains.some((c) => c.interrupted),
    wallSeconds: (performance.now() - t0) / 1000,
    workers,
  };
}
