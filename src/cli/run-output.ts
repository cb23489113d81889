/**
 * What `gaugeflow sample` prints, built in one place so that every command reporting a run of chains
 * prints the same object: `sample` (chains run here) and `merge` (flow chains passed over proposal
 * shards made elsewhere). The analysis is samplers/runner_analysis.ts (Γ-method, R̂, acceptance,
 * importance ESS) and the exact references are samplers/runner_exact.ts.
 */
import os from 'node:os';
import type { WilsonLoopSize } from '../../samplers/observables.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import type { RunResult } from '../../samplers/runner.ts';
import { summariseRun, type RunSummary } from '../../samplers/runner_analysis.ts';
import { deviationSigma, exactAnnotation } from '../../samplers/runner_exact.ts';

export interface RunOutputInput {
  command: string;
  backend: string;
  seed: string;
  spec: SamplerSpec;
  chains: number;
  nPerChain: number;
  therm: number;
  measEvery: number;
  start: 'hot' | 'cold';
  wilsonLoops: WilsonLoopSize[];
  result: RunResult;
  /** flow runs: the model file as given */
  model?: string;
  saveDir?: string;
  /** the preflight's estimate of the memory the run holds (bytes) */
  memoryEstimate?: number;
  /** wall-time budget of the exact annotation (samplers/runner_exact.ts) */
  exactBudgetMs?: number;
}

export interface RunOutput {
  out: Record<string, unknown>;
  summary: RunSummary;
  exact: Record<string, number>;
  deviation: Record<string, number | null>;
  /** why the exact reference is null or only infinite-volume */
  exactWarning: string | null;
}

/** JSON with NaN/±Infinity (undefined τ_int, R̂ of frozen chains) written as null. */
export function toJson(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

export function runOutput(i: RunOutputInput): RunOutput {
  const { spec, result } = i;
  const isFlow = spec.sampler === 'flow';
  const summary = summariseRun(result);
  // exact values are an annotation: bounded in time, and a failure is a warning, never a lost run
  const { exact, warning } = exactAnnotation(spec, i.wilsonLoops, i.exactBudgetMs);
  const deviation = deviationSigma(summary.observables, exact);
  const rhat = Object.fromEntries(Object.entries(summary.observables).map(([k, o]) => [k, o.rhat]));
  const out = {
    command: i.command,
    backend: i.backend,
    seed: i.seed,
    sampler: spec.sampler,
    spec,
    chains: i.chains,
    workers: result.workers,
    ...(i.memoryEstimate !== undefined ? { memoryEstimate: i.memoryEstimate } : {}),
    nPerChain: i.nPerChain,
    therm: i.therm,
    measEvery: i.measEvery,
    start: i.start,
    observables: summary.observables,
    acceptance: summary.acceptance,
    meanAcceptProb: summary.meanAcceptProb,
    ...(isFlow ? { model: i.model, batch: spec.batch, importanceEss: summary.importanceEss, failedDraws: summary.failedDraws, proposalsPerSecond: summary.proposalsPerSecond } : {}),
    ...(summary.weightWarning ? { weightWarning: summary.weightWarning } : {}),
    ...(summary.expMinusDeltaH ? { expMinusDeltaH: summary.expMinusDeltaH } : {}),
    exact: exact ? { ...exact.values, infiniteVolume: exact.infiniteVolume, source: exact.source } : null,
    ...(warning ? { exactWarning: warning } : {}),
    deviationSigma: deviation,
    rhat,
    measured: summary.measured,
    measuredPerChain: summary.measuredPerChain,
    wallSeconds: result.wallSeconds,
    secondsPerUpdate: summary.secondsPerUpdate,
    ...(i.saveDir !== undefined ? { savedConfigs: summary.savedConfigs, saveDir: i.saveDir } : {}),
    interrupted: result.interrupted,
    machine: { platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  return { out, summary, exact: exact?.values ?? {}, deviation, exactWarning: warning };
}

function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return Math.abs(x) >= 1e6 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(digits - 1) : x.toFixed(digits);
}

/** Errors with two significant digits. */
function fmtErr(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return fmt(x);
  return x === 0 ? '0' : x.toPrecision(2);
}

/** The human-readable table of a run (what `sample` prints without --json). */
export function runTable({ out: o, summary: s, exact, deviation: dev }: RunOutput): string {
  const out = o as { spec: SamplerSpec; backend: string; chains: number; workers: number; wallSeconds: number; secondsPerUpdate: number; interrupted: boolean; acceptance: number; seed: string; measured: number };
  const sp = out.spec;
  const head = `${sp.sampler} ${sp.group}${sp.N ? `(N=${sp.N})` : ''} ${sp.dims}D L=${sp.L} β=${sp.beta}: ${out.chains} chains, ${out.measured} measurements, seed ${out.seed}${out.interrupted ? '  [INTERRUPTED]' : ''}`;
  const rows = [['observable', 'mean', '± err', 'exact', 'dev/σ', 'τ_int', '± δτ', 'ESS', 'R̂']];
  for (const [name, ob] of Object.entries(s.observables)) {
    rows.push([name, fmt(ob.mean, 6), fmtErr(ob.err), name in exact ? fmt(exact[name], 6) : '', name in dev ? fmt(dev[name], 2) : '', fmt(ob.tauInt, 3), fmtErr(ob.tauIntErr), fmt(ob.ess, 0), fmt(ob.rhat, 4)]);
  }
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const lines = rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
  const flow = s.importanceEss !== undefined ? `   importance ESS ${fmt(s.importanceEss, 4)}, failed draws ${s.failedDraws ?? 0}, ${fmt(s.proposalsPerSecond ?? NaN, 0)} proposals/s` : '';
  const dh = s.expMinusDeltaH ? `   ⟨e^-ΔH⟩ = ${fmt(s.expMinusDeltaH.mean, 4)} ± ${fmtErr(s.expMinusDeltaH.err)}` : '';
  const warn = Object.entries(s.observables)
    .filter(([, ob]) => ob.warning)
    .map(([k, ob]) => `warning (${k}): ${ob.warning}`)
    .concat(s.weightWarning ? [`warning (proposal): ${s.weightWarning}`] : []);
  return [
    head,
    ...lines,
    `acceptance ${fmt(out.acceptance, 4)}${dh}${flow}`,
    `wall ${fmt(out.wallSeconds, 2)} s, ${fmt(out.secondsPerUpdate * 1e3, 3)} ms per update, workers ${out.workers}, backend ${out.backend}`,
    ...warn,
  ].join('\n');
}
