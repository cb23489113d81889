/**
 * Data-parallel training over worker threads, deterministic in the number of threads.
 *
 * Every step splits the batch into a fixed number of microbatches (not derived from the thread
 * count); microbatch m of step t draws its randomness from makeRng(seed, 'train', t, m). Whichever
 * thread computes a microbatch gradient (float32, from tfjs), the main thread reduces them in the
 * order m = 0, 1, … in float64, weighting each by its share of the step's ok samples (so the sum is
 * the gradient of the whole batch's mean loss), clips the global norm and applies Adam (optim.ts,
 * float64 arithmetic, weights rounded to float32). Hence workers 0, 1, 2, … give bit-identical
 * weights, provided every thread runs the same tfjs backend: the main thread's backend is pinned in
 * the workers.
 *
 * Weights go to the workers through one SharedArrayBuffer per run (published with an Atomics store
 * of the step number), gradients come back as transferred Float32Arrays.
 */
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { initBackend, type BackendName } from '../backend/index.ts';
import { importanceEss } from '../../samplers/diagnostics/weights.ts';
import { Adam, cosineLR, optimizerStep, type AdamState } from './optim.ts';
import { assignVariables, joinWeights, readVariables, splitFlat, variableShapes } from './flat.ts';
import { loadTrainable, microbatchGradient, microbatchSizes, type MicrobatchResult, type TrainableSpec } from './microbatch.ts';
import type { GradientTask, WorkerGradient } from './parallel-worker.ts';
import { makeProgress } from './progress.ts';
import { yieldToEventLoop } from './stepwise.ts';

export type { Trainable, TrainableSpec } from './microbatch.ts';

/** Adam's state plus the training steps done: a run given it continues at step `step`. */
export interface OptimizerState extends AdamState {
  step: number;
}

export interface Checkpoint {
  /** training steps done */
  step: number;
  weights: Float32Array[];
  optimizer: OptimizerState;
  /** seconds since this run started */
  seconds: number;
}

export interface ParallelStepInfo {
  /** global step index (continues after a resumed checkpoint) */
  step: number;
  /** ok-weighted mean of the microbatch losses (their `report` where given) */
  loss: number;
  okFraction: number;
  /** gradient norm before clipping (NaN or ∞: the step was skipped) */
  gradNorm: number;
  lr: number;
  /** seconds since the run started */
  seconds: number;
  /** normalised importance ESS of the step's samples, when the loss gives log weights */
  ess?: number;
}

export interface ParallelTrainOptions {
  spec: TrainableSpec;
  /** worker threads; 0 = in this thread, with the same arithmetic */
  workers: number;
  /** total steps of the schedule (a resumed run continues up to it) */
  steps?: number;
  /** wall-clock budget; with only minutes the learning rate decays over the elapsed fraction of it */
  minutes?: number;
  batch: number;
  /** fixed split of the batch (never derived from `workers`) */
  microbatches: number;
  seed: string | number;
  lr?: number;
  /** final learning rate as a fraction of lr (cosine decay); 1 = constant */
  lrFinal?: number;
  clipNorm?: number;
  /** one Float32Array per variable (continue or fine-tune) */
  initWeights?: Float32Array[];
  /** with initWeights: resume exactly where a checkpoint was taken */
  optimizerState?: OptimizerState;
  checkpointEvery?: number;
  /** called (and awaited) every checkpointEvery steps, and once more when a run stops elsewhere */
  onCheckpoint?: (c: Checkpoint) => void | Promise<void>;
  /** stop after the current step; the result says interrupted: true */
  signal?: AbortSignal;
  onStep?: (info: ParallelStepInfo) => void;
  /** progress bar with loss and running ESS (TTY only, never under CI) */
  progress?: boolean;
}

export interface ParallelHistory {
  step: number[];
  loss: number[];
  okFraction: number[];
  gradNorm: number[];
  lr: number[];
  seconds: number[];
  /** NaN where the loss gave no log weights */
  ess: number[];
}

export interface ParallelTiming {
  /** wall seconds per step in the loop (gradients, reduction, Adam) */
  wallPerStep: number;
  /** summed seconds per step that threads spent inside microbatch gradients */
  computePerStep: number;
  /** per step, the largest per-thread sum of gradient seconds: the best the split allows */
  criticalPathPerStep: number;
  /** wallPerStep − criticalPathPerStep: messaging, weight loading, reduction, Adam */
  overheadPerStep: number;
  /** seconds before the first step (worker start-up, model build) */
  setupSeconds: number;
}

export interface ParallelTrainResult {
  weights: Float32Array[];
  optimizerState: OptimizerState;
  history: ParallelHistory;
  /** training steps done in total (including those before a resumed checkpoint) */
  steps: number;
  seconds: number;
  interrupted: boolean;
  stopReason: 'steps' | 'time' | 'signal';
  /** worker threads used (0 = in-process) */
  workers: number;
  backend: BackendName;
  timing: ParallelTiming;
}

const workerScript = fileURLToPath(new URL('./parallel-worker.mjs', import.meta.url));

/** Where the microbatch gradients are computed: this thread or a pool of worker threads. */
interface GradientEngine {
  describe(): Promise<{ shapes: number[][]; weights: Float32Array }>;
  gradients(weights: Float32Array, step: number, seed: string | number, sizes: number[]): Promise<(MicrobatchResult & { thread: number })[]>;
  close(): Promise<void>;
}

function failure(step: number, m: number, e: unknown): Error {
  return new Error(`parallel training: step ${step}, microbatch ${m}: ${(e as Error)?.message ?? e}`);
}

async function inProcessEngine(spec: TrainableSpec): Promise<GradientEngine> {
  const t = await loadTrainable(spec);
  return {
    async describe() {
      return { shapes: variableShapes(t.variables), weights: readVariables(t.variables) };
    },
    async gradients(weights, step, seed, sizes) {
      // let abort signals and timers run between steps, as they do while a pool computes
      await yieldToEventLoop();
      assignVariables(t.variables, weights);
      return sizes.map((size, m) => {
        try {
          return { ...microbatchGradient(t, seed, step, m, size), thread: 0 };
        } catch (e) {
          throw failure(step, m, e);
        }
      });
    },
    async close() {
      t.variables.forEach((v) => v.dispose());
    },
  };
}

function poolEngine(spec: TrainableSpec, backend: BackendName, workers: number): GradientEngine {
  const pool = workerpool.pool(workerScript, { workerType: 'thread', maxWorkers: workers, minWorkers: workers });
  let shared: Float32Array | null = null;
  const version = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(version, 0, -1);
  return {
    async describe() {
      try {
        // one task per thread (each busy thread takes no second one), so every worker builds the
        // model now rather than inside the first step
        const all = await Promise.all(Array.from({ length: workers }, () => pool.exec('describe', [spec, backend])));
        return all[0] as { shapes: number[][]; weights: Float32Array };
      } catch (e) {
        throw new Error(`parallel training: building the model in a worker failed: ${(e as Error).message}`);
      }
    },
    async gradients(weights, step, seed, sizes) {
      if (!shared || shared.length !== weights.length) shared = new Float32Array(new SharedArrayBuffer(4 * weights.length));
      shared.set(weights);
      Atomics.store(version, 0, step); // publishes the weights written above
      // one task per thread, contiguous shares of the microbatches (each idle thread takes one task)
      const shares = Array.from({ length: workers }, (_, w) => sizes.map((size, m) => ({ m, size })).filter(({ m }) => Math.floor((m * workers) / sizes.length) === w));
      const parts = await Promise.all(
        shares.map(async (microbatches) => {
          const task: GradientTask = { spec, backend, weights: shared!.buffer as SharedArrayBuffer, version: version.buffer as SharedArrayBuffer, seed, step, microbatches };
          try {
            return (await pool.exec('gradients', [task])) as WorkerGradient[];
          } catch (e) {
            throw new Error(`parallel training: step ${step}, ${(e as Error).message}`);
          }
        }),
      );
      const results = parts.flat();
      results.forEach((r, i) => {
        if (r.m !== i) throw new Error(`parallel training: step ${step}: gradients came back out of order (${r.m} at ${i})`);
      });
      return results;
    },
    async close() {
      await pool.terminate(true);
    },
  };
}

function validate(opts: ParallelTrainOptions): void {
  const { workers, steps, minutes, lr, lrFinal, clipNorm, checkpointEvery } = opts;
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`parallel training: workers must be an integer ≥ 0, got ${workers}`);
  if (steps === undefined && minutes === undefined) throw new Error('parallel training: give steps, minutes or both');
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 0)) throw new Error(`parallel training: steps must be a non-negative integer, got ${steps}`);
  if (minutes !== undefined && !(minutes > 0 && Number.isFinite(minutes))) throw new Error(`parallel training: minutes must be a positive number, got ${minutes}`);
  if (lr !== undefined && !(lr > 0)) throw new Error(`parallel training: lr must be positive, got ${lr}`);
  if (lrFinal !== undefined && !(lrFinal >= 0 && lrFinal <= 1)) throw new Error(`parallel training: lrFinal is a fraction of lr in [0, 1], got ${lrFinal}`);
  if (clipNorm !== undefined && !(clipNorm > 0)) throw new Error(`parallel training: clipNorm must be positive, got ${clipNorm}`);
  if (checkpointEvery !== undefined && (!Number.isInteger(checkpointEvery) || checkpointEvery < 1)) {
    throw new Error(`parallel training: checkpointEvery must be a positive integer, got ${checkpointEvery}`);
  }
  if (typeof opts.seed !== 'string' && typeof opts.seed !== 'number') throw new Error('parallel training: seed must be a string or a number');
  if (opts.optimizerState && !opts.initWeights) throw new Error('parallel training: optimizerState needs the initWeights it belongs to (resume from a checkpoint with both)');
  const s0 = opts.optimizerState?.step;
  if (s0 !== undefined && (!Number.isInteger(s0) || s0 < 0 || (steps !== undefined && s0 > steps))) {
    throw new Error(`parallel training: optimizerState.step ${s0} is not within the ${steps ?? '?'} steps of the schedule`);
  }
}

/**
 * The step's gradient from its microbatches, summed in the order m = 0, 1, … in float64: microbatch m
 * weighs okCount_m / okCount of the batch, so with losses that are means over ok samples the sum is
 * the gradient of the whole batch's mean loss. The loss is reduced the same way.
 */
export function reduceMicrobatches(results: readonly MicrobatchResult[], sizes: readonly number[], nParams: number): { grad: Float64Array; loss: number; okTotal: number } {
  if (results.length !== sizes.length) throw new Error(`reduceMicrobatches: ${results.length} results for ${sizes.length} microbatches`);
  const okCounts = results.map((r, m) => Math.round(r.okFraction * sizes[m]));
  const okTotal = okCounts.reduce((a, b) => a + b, 0);
  const grad = new Float64Array(nParams);
  let loss = 0;
  for (let m = 0; m < results.length; m++) {
    const g = results[m].grad;
    if (g.length !== nParams) throw new Error(`parallel training: microbatch ${m} returned ${g.length} gradients for ${nParams} parameters`);
    if (okCounts[m] === 0) continue;
    const w = okCounts[m] / okTotal;
    for (let i = 0; i < nParams; i++) grad[i] += w * g[i];
    loss += w * results[m].loss;
  }
  return { grad, loss, okTotal };
}

/** ESS of one step's log weights, NaN when they are missing or unusable. */
function stepEss(results: MicrobatchResult[]): number {
  if (results.some((r) => !r.logWeights)) return NaN;
  const all = new Float64Array(results.reduce((s, r) => s + r.logWeights!.length, 0));
  let off = 0;
  for (const r of results) {
    all.set(r.logWeights!, off);
    off += r.logWeights!.length;
  }
  if (all.every((w) => w === -Infinity)) return 0;
  try {
    return importanceEss(all);
  } catch {
    return NaN;
  }
}

export async function trainParallel(opts: ParallelTrainOptions): Promise<ParallelTrainResult> {
  validate(opts);
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const sizes = microbatchSizes(opts.batch, opts.microbatches);
  const lr = opts.lr ?? 1e-3;
  const lrFinal = opts.lrFinal ?? 0.05;
  const clip = opts.clipNorm ?? 10;
  const budget = opts.minutes !== undefined ? opts.minutes * 60 : Infinity;
  const backend = await initBackend();
  const workers = Math.min(opts.workers, sizes.length);
  const engine = workers === 0 ? await inProcessEngine(opts.spec) : poolEngine(opts.spec, backend, workers);

  const history: ParallelHistory = { step: [], loss: [], okFraction: [], gradNorm: [], lr: [], seconds: [], ess: [] };
  const timing = { wall: 0, compute: 0, critical: 0, setup: 0 };
  let stopReason: ParallelTrainResult['stopReason'] = 'steps';
  let weights: Float32Array;
  let shapes: number[][];
  let adam: Adam;
  let step: number;
  const bar = opts.progress
    ? makeProgress(opts.steps ?? Math.ceil(budget), { label: opts.steps !== undefined ? `train ×${workers}` : `train ×${workers} (s)` })
    : { update() {}, stop() {} };
  try {
    const described = await engine.describe();
    shapes = described.shapes;
    weights = opts.initWeights ? joinWeights(opts.initWeights, shapes) : described.weights;
    adam = new Adam(weights.length, opts.optimizerState);
    step = opts.optimizerState?.step ?? 0;
    const checkpoint = (): Checkpoint => ({
      step,
      weights: splitFlat(weights, shapes),
      optimizer: { ...adam.state(), step },
      seconds: elapsed(),
    });
    let lastCheckpoint = step;
    timing.setup = elapsed();
    const recentEss: number[] = [];

    for (;;) {
      if (opts.steps !== undefined && step >= opts.steps) break;
      if (opts.signal?.aborted) {
        stopReason = 'signal';
        break;
      }
      const now = elapsed();
      if (now >= budget) {
        stopReason = 'time';
        break;
      }
      const stepLR = opts.steps !== undefined ? cosineLR(lr, lrFinal, step, opts.steps) : cosineLR(lr, lrFinal, now, budget);
      const ts = performance.now();
      const results = await engine.gradients(weights, step, opts.seed, sizes);

      const { grad, loss, okTotal } = reduceMicrobatches(results, sizes, weights.length);
      // a batch without one ok sample has no gradient: skip the update
      const gradNorm = okTotal > 0 ? optimizerStep(adam, weights, grad, stepLR, clip) : NaN;
      step++;

      const wall = (performance.now() - ts) / 1000;
      const perThread = new Map<number, number>();
      for (const r of results) perThread.set(r.thread, (perThread.get(r.thread) ?? 0) + r.seconds);
      timing.wall += wall;
      timing.compute += results.reduce((s, r) => s + r.seconds, 0);
      timing.critical += Math.max(...perThread.values());

      const ess = stepEss(results);
      const info: ParallelStepInfo = { step: step - 1, loss: okTotal > 0 ? loss : NaN, okFraction: okTotal / opts.batch, gradNorm, lr: stepLR, seconds: elapsed() };
      if (!Number.isNaN(ess)) info.ess = ess;
      history.step.push(info.step);
      history.loss.push(info.loss);
      history.okFraction.push(info.okFraction);
      history.gradNorm.push(gradNorm);
      history.lr.push(stepLR);
      history.seconds.push(info.seconds);
      history.ess.push(ess);
      opts.onStep?.(info);
      const shown: Record<string, number> = { loss: info.loss, ok: info.okFraction };
      if (!Number.isNaN(ess)) {
        recentEss.push(ess);
        if (recentEss.length > 20) recentEss.shift();
        shown.ess = recentEss.reduce((a, b) => a + b, 0) / recentEss.length;
      }
      bar.update(opts.steps !== undefined ? step : Math.min(Math.ceil(budget), Math.round(elapsed())), shown);

      if (opts.checkpointEvery && step % opts.checkpointEvery === 0) {
        await opts.onCheckpoint?.(checkpoint());
        lastCheckpoint = step;
      }
    }
    if (opts.checkpointEvery && lastCheckpoint !== step) await opts.onCheckpoint?.(checkpoint());
  } finally {
    bar.stop();
    await engine.close();
  }

  const n = Math.max(1, history.step.length);
  return {
    weights: splitFlat(weights, shapes),
    optimizerState: { ...adam.state(), step },
    history,
    steps: step,
    seconds: elapsed(),
    interrupted: stopReason === 'signal',
    stopReason,
    workers,
    backend,
    timing: {
      wallPerStep: timing.wall / n,
      computePerStep: timing.compute / n,
      criticalPathPerStep: timing.critical / n,
      overheadPerStep: (timing.wall - timing.critical) / n,
      setupSeconds: timing.setup,
    },
  };
}
