/**
 * One Markov chain: start, thermalise, then measure every `measEvery` updates. The same function
 * runs in the main thread (workers 0/1) and inside a worker thread, and its random stream is
 * `makeRng(seed, 'chain', k)` alone, so a chain's output never depends on where it ran.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { coldStart, emptyField, hotFill, type GaugeField } from '../lattices/field.ts';
import type { Lattice } from '../lattices/geometry.ts';
import type { Group } from '../lattices/group.ts';
import type { Rng } from '../lattices/random.ts';
import { makeRng } from '../lattices/random.ts';
import { measure, observableNames, validateWilsonLoops, type WilsonLoopSize } from './observables.ts';
import type { ImportanceSums } from './diagnostics/importance_stream.ts';
import { buildKernel as buildBaselineKernel, type SamplerSpec } from './registry.ts';

export type KernelBuilder = typeof buildBaselineKernel;

/** Everything a chain needs, JSON-serialisable so it can be posted to a worker. */
export interface ChainTask {
  spec: SamplerSpec;
  seed: string | number;
  chain: number;
  /** updates discarded before the first measurement */
  therm: number;
  /** measured configurations wanted from this chain */
  nMeas: number;
  /** updates between measurements (≥ 1) */
  measEvery: number;
  /** 'hot' (Haar-random links, default) or 'cold' (unit links) */
  start?: 'hot' | 'cold';
  wilsonLoops?: WilsonLoopSize[];
  /** write every `every`-th measured configuration of this chain to `dir` */
  saveConfigs?: { dir: string; every: number };
  /**
   * Module (absolute path or file URL) exporting `buildKernel(spec)` with the registry's
   * signature, to run a custom kernel through the runner; the baseline registry otherwise.
   */
  kernelModule?: string;
}

export interface ChainResult {
  chain: number;
  /** observable names, in the order of `series` */
  names: string[];
  /** series[i][j]: observable names[i] on measured configuration j */
  series: Float64Array[];
  measured: number;
  /** all sampler updates done, thermalisation included */
  updates: number;
  /** wall time inside kernel.step only (measurement and I/O excluded) */
  updateSeconds: number;
  /** over the updates after thermalisation */
  postThermUpdates: number;
  accepted: number;
  acceptProbSum: number;
  /**
   * e^{−ΔH} of every post-thermalisation update that reports ΔH (HMC), in order, so that the check
   * ⟨e^{−ΔH}⟩ = 1 gets a Γ-method error (empty for samplers without ΔH).
   */
  expMinusDeltaH: Float64Array;
  savedConfigs: number;
  /** stopped before nMeas configurations were measured */
  interrupted: boolean;
  /** flow (independence Metropolis) chains only: `updates` are then draws passed */
  flow?: FlowChainStats;
}

export interface FlowChainStats {
  /** draws generated for this chain (whole batches received, so ≥ draws passed) */
  proposals: number;
  /** passed draws that failed (log q = +∞), thermalisation included */
  failedDraws: number;
  /** streamed importance sums of every passed draw's weight, thermalisation included */
  importance: ImportanceSums;
  /** (Σw)²/(N Σw²) of those weights */
  importanceEss: number;
}

export interface ChainControl {
  /** polled after every update */
  shouldStop(): boolean;
  /** (updates done, updates planned), at most every `progressMs` */
  progress?(done: number, total: number): void;
  progressMs?: number;
  /**
   * Called about every `yieldMs` of work; awaiting it lets the main thread handle signals and
   * timers when the chain runs in-process.
   */
  pause?(): Promise<void>;
  yieldMs?: number;
  /** in-process only: a kernel builder function (tests, custom kernels) */
  buildKernel?: KernelBuilder;
}

export async function loadKernelBuilder(task: ChainTask, control?: ChainControl): Promise<KernelBuilder> {
  if (control?.buildKernel) return control.buildKernel;
  if (!task.kernelModule) return buildBaselineKernel;
  const mod = (await import(task.kernelModule)) as { buildKernel?: KernelBuilder };
  if (typeof mod.buildKernel !== 'function') throw new Error(`kernel module ${task.kernelModule} does not export buildKernel(spec)`);
  return mod.buildKernel;
}

export function validateTask(task: ChainTask): void {
  for (const k of ['therm', 'nMeas', 'measEvery', 'chain'] as const) {
    const v = task[k];
    if (!Number.isInteger(v) || v < (k === 'measEvery' ? 1 : 0)) {
      throw new Error(`chain task: ${k} must be an integer ≥ ${k === 'measEvery' ? 1 : 0}, got ${String(v)}`);
    }
  }
  if (task.saveConfigs && !(Number.isInteger(task.saveConfigs.every) && task.saveConfigs.every >= 1)) {
    throw new Error(`chain task: saveConfigs.every must be an integer ≥ 1, got ${String(task.saveConfigs.every)}`);
  }
}

export function configPath(dir: string, chain: number, index: number): string {
  return join(dir, `chain${chain}_${String(index).padStart(6, '0')}.cfg`);
}

/**
 * hotStart in pieces (lattices/field.ts hotFill, same random stream, same field), polling
 * `shouldStop` and pausing about every `yieldMs`, so that Ctrl-C is honoured while a large field is
 * being filled (in-process the pause lets the SIGINT handler run; in a worker thread shouldStop
 * reads the shared stop flag). Returns null when stopped.
 */
export async function interruptibleHotStart(lattice: Lattice, group: Group, rng: Rng, control: Pick<ChainControl, 'shouldStop' | 'pause'>, yieldMs = 50): Promise<GaugeField | null> {
  const field = emptyField(lattice, group);
  const nLinks = lattice.volume * lattice.dims;
  const chunk = group.kind === 'u1' ? 1 << 16 : Math.max(1, Math.floor((1 << 14) / (group.N * group.N)));
  let last = performance.now();
  for (let from = 0; from < nLinks; from += chunk) {
    hotFill(field, rng, from, Math.min(nLinks, from + chunk));
    const now = performance.now();
    if (now - last >= yieldMs) {
      if (control.pause) await control.pause();
      if (control.shouldStop()) return null;
      last = performance.now();
    }
  }
  return control.shouldStop() ? null : field;
}

export async function runChain(task: ChainTask, control: ChainControl): Promise<ChainResult> {
  validateTask(task);
  const build = await loadKernelBuilder(task, control);
  const { kernel, lattice, group } = build(task.spec);
  const wilsonLoops = task.wilsonLoops ?? [];
  validateWilsonLoops(lattice, wilsonLoops);
  const names = observableNames(lattice, group, wilsonLoops);
  // Grown by doubling: a run asked for 10⁸ measurements but stopped early must not reserve them.
  let series = names.map(() => new Float64Array(Math.min(task.nMeas, 4096)));
  let boltzmann = new Float64Array(1024); // e^{−ΔH} per update, grown by doubling like `series`
  let nBoltzmann = 0;
  const row = new Float64Array(names.length);
  // Configuration I/O (and its hashing) is loaded only when configurations are kept.
  const io = task.saveConfigs ? await import('../lattices/io.ts') : null;
  if (task.saveConfigs) mkdirSync(task.saveConfigs.dir, { recursive: true });

  const rng = makeRng(task.seed, 'chain', task.chain);
  const start = task.start ?? 'hot';
  const total = task.therm + task.nMeas * task.measEvery;
  const progressMs = control.progressMs ?? 200;
  const yieldMs = control.yieldMs ?? 50;
  const out: ChainResult = {
    chain: task.chain,
    names,
    series,
    measured: 0,
    updates: 0,
    updateSeconds: 0,
    postThermUpdates: 0,
    accepted: 0,
    acceptProbSum: 0,
    expMinusDeltaH: new Float64Array(0),
    savedConfigs: 0,
    interrupted: false,
  };
  const initial = start === 'cold' ? coldStart(lattice, group) : await interruptibleHotStart(lattice, group, rng, control, yieldMs);
  if (initial === null) {
    // stopped while the field was being set up: nothing measured
    out.interrupted = true;
    out.series = names.map(() => new Float64Array(0));
    return out;
  }
  let state = kernel.init(initial);
  let lastProgress = performance.now();
  let lastYield = lastProgress;
  let stepMs = 0;

  while (out.updates < total) {
    if (control.shouldStop()) {
      out.interrupted = true;
      break;
    }
    const t0 = performance.now();
    const [next, info] = kernel.step(state, rng);
    const t1 = performance.now();
    stepMs += t1 - t0;
    state = next;
    out.updates++;
    if (out.updates > task.therm) {
      out.postThermUpdates++;
      if (info.accepted) out.accepted++;
      out.acceptProbSum += info.acceptProb;
      if (info.deltaH !== undefined) {
        if (nBoltzmann === boltzmann.length) {
          const grown = new Float64Array(2 * boltzmann.length);
          grown.set(boltzmann);
          boltzmann = grown;
        }
        boltzmann[nBoltzmann++] = Math.exp(-info.deltaH);
      }
      if ((out.updates - task.therm) % task.measEvery === 0) {
        measure(state.field, names, row);
        if (out.measured === series[0]!.length) {
          const cap = Math.min(task.nMeas, 2 * series[0]!.length);
          series = series.map((old) => {
            const grown = new Float64Array(cap);
            grown.set(old);
            return grown;
          });
        }
        for (let i = 0; i < names.length; i++) series[i]![out.measured] = row[i]!;
        if (task.saveConfigs && io && out.measured % task.saveConfigs.every === 0) {
          await io.saveConfig(configPath(task.saveConfigs.dir, task.chain, out.measured), state.field, {
            beta: task.spec.beta,
            sampler: task.spec.sampler,
            seed: task.seed,
            chain: task.chain,
            index: out.measured,
            update: out.updates,
          });
          out.savedConfigs++;
        }
        out.measured++;
      }
    }
    if (t1 - lastProgress >= progressMs) {
      lastProgress = t1;
      control.progress?.(out.updates, total);
    }
    if (control.pause && t1 - lastYield >= yieldMs) {
      await control.pause();
      lastYield = performance.now();
    }
  }
  control.progress?.(out.updates, total);
  out.updateSeconds = stepMs / 1000;
  out.series = series.map((s) => s.slice(0, out.measured));
  out.expMinusDeltaH = boltzmann.slice(0, nBoltzmann);
  return out;
}
