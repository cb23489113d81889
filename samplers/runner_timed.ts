/**
 * Chains for a wall-clock budget rather than a number of measurements (benchmarks, the showcase):
 * the multi-chain runner is started with a measurement cap and stopped through its abort signal
 * when the budget is spent, exactly as Ctrl-C stops it, so every chain ends at an update (or batch)
 * boundary. An outer signal (Ctrl-C) stops it too; the result says which of the two happened.
 *
 * The budget starts when the first update (or proposal batch) has been done, so that starting worker
 * threads and loading a model (seconds for a flow on wasm) do not eat a short budget; that set-up
 * time is reported separately. If nothing is done within `setupLimit` seconds the budget starts
 * anyway.
 */
import { runChains, type RunOptions, type RunResult } from './runner.ts';

export interface TimedRunOptions extends Omit<RunOptions, 'nPerChain' | 'signal'> {
  /** wall-clock budget in seconds, from the start of the run */
  seconds: number;
  /** measurements per chain at most (memory: 8 bytes × observables × this, per chain) */
  maxPerChain?: number;
  /** Ctrl-C: stops the run before its budget */
  signal?: AbortSignal;
  /** the budget starts after this many seconds even if no update was done yet (default 120) */
  setupLimit?: number;
}

export interface TimedRunResult {
  run: RunResult;
  /** stopped by the outer signal (Ctrl-C), not by the budget or the cap */
  interrupted: boolean;
  /** seconds from the start to the first update (worker start-up, model loading) */
  setupSeconds: number;
  /** seconds from the first update to the end: the time the budget measures */
  samplingSeconds: number;
}

export async function runChainsFor(opts: TimedRunOptions): Promise<TimedRunResult> {
  if (!(opts.seconds > 0)) throw new Error(`timed run: seconds must be positive, got ${opts.seconds}`);
  const { seconds, maxPerChain, signal, setupLimit, onProgress, ...rest } = opts;
  const stop = new AbortController();
  const t0 = performance.now();
  let started: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const startBudget = () => {
    if (started !== null) return;
    started = performance.now();
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => stop.abort(), seconds * 1000);
  };
  timer = setTimeout(startBudget, (setupLimit ?? 120) * 1000);
  const onOuter = () => stop.abort();
  if (signal?.aborted) stop.abort();
  signal?.addEventListener('abort', onOuter);
  try {
    const run = await runChains({
      ...rest,
      nPerChain: maxPerChain ?? 4_000_000,
      signal: stop.signal,
      onProgress: (done, total) => {
        if (done.some((d) => d > 0)) startBudget();
        onProgress?.(done, total);
      },
    });
    const end = performance.now();
    const interrupted = signal?.aborted === true;
    const first = started ?? end;
    // the budget ending is the plan, not an interruption
    return { run: { ...run, interrupted }, interrupted, setupSeconds: (first - t0) / 1000, samplingSeconds: (end - first) / 1000 };
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onOuter);
  }
}
