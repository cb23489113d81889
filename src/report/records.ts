/**
 * What a run directory holds, one JSON record per file (docs/design.md § Reports and run
 * directories): a training history, a set of Markov chains of one sampler at one (L, β), or a scan
 * of τ_int over points (the freezing benchmark). Records are built from what the commands already
 * have in memory, and are bounded in size whatever the chain length: histories are decimated to at
 * most 2·maxPoints points per chain (src/report/decimate.ts), autocorrelation functions likewise,
 * and the charge histogram has one bin per charge.
 */
import { u1ChargeDistribution2D } from '../../lattices/exact.ts';
import { gammaMethod } from '../../samplers/diagnostics/index.ts';
import type { RunResult } from '../../samplers/runner.ts';
import type { RunSummary, ObservableSummary } from '../../samplers/runner_analysis.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { Decimator } from './decimate.ts';

export const RUN_RECORD_FORMAT = 'gaugeflow-run-record';
export const RUN_RECORD_VERSION = 1;

interface RecordBase {
  format: typeof RUN_RECORD_FORMAT;
  version: number;
  /** what the plots and tables call this record, e.g. 'flow L=8 β=2' */
  label: string;
  createdAt: string;
}

export interface TrainingRecord extends RecordBase {
  kind: 'training';
  L: number;
  beta: number;
  /** logged steps (decimated), with the loss and the importance ESS of that step's batch (NaN: not measured) */
  step: number[];
  loss: number[];
  ess: number[];
  /** the command's result (ESS, KL, acceptance on fresh draws, seconds, ...) */
  result: Record<string, unknown>;
}

export interface AutocorrelationRecord {
  /** lags t (in measurements) at which rho is kept */
  lag: number[];
  /** normalised autocorrelation ρ(t) of the Γ-method (bias-corrected), all chains as replica */
  rho: number[];
  /** the Γ-method's automatic summation window W (in measurements) */
  window: number;
  tauInt: number;
  tauIntErr: number;
  warning?: string;
}

export interface ChainsRecord extends RecordBase {
  kind: 'chains';
  sampler: string;
  group: string;
  dims: number;
  L: number;
  beta: number;
  chains: number;
  measured: number;
  wallSeconds: number;
  acceptance: number;
  interrupted: boolean;
  /** Γ-method summaries per observable (mean, err, τ_int, ESS, R̂) */
  observables: Record<string, ObservableSummary>;
  /** exact values where the theory is solved, and (mean − exact)/err */
  exact: Record<string, number> | null;
  deviationSigma: Record<string, number | null>;
  /** per chain, Q and plaquette every `stride`-th measurement */
  histories: { stride: number; maxPoints: number; chains: { index: number[]; series: Record<string, number[]> }[] };
  /** per observable (Q, plaquette, ...) */
  autocorrelation: Record<string, AutocorrelationRecord>;
  /** 2D U(1): counts of each charge over all measurements and chains, and the exact P(Q) */
  charge?: { Q: number[]; count: number[]; exactP: number[] | null };
  /** anything else the command reports (step size, importance ESS, training seconds, ...) */
  extra: Record<string, unknown>;
}

export interface ScanPoint {
  sampler: string;
  L: number;
  beta: number;
  tauIntQ: number | null;
  tauIntQErr: number | null;
  /** set when the Γ-method window could not be chosen: τ_int is a lower bound */
  warning?: string;
  [k: string]: unknown;
}

export interface ScanRecord extends RecordBase {
  kind: 'scan';
  points: ScanPoint[];
}

export type RunRecord = TrainingRecord | ChainsRecord | ScanRecord;

/** Observables whose histories and autocorrelation functions a report shows. */
export const HISTORY_OBSERVABLES = ['Q', 'plaquette'] as const;

function base(label: string): RecordBase {
  return { format: RUN_RECORD_FORMAT, version: RUN_RECORD_VERSION, label, createdAt: new Date().toISOString() };
}

/** The training history of `gaugeflow train` ([step, loss, ess] rows) as a record. */
export function trainingRecord(label: string, L: number, beta: number, curve: readonly (readonly [number, number, number])[], result: Record<string, unknown>, maxPoints = 1000): TrainingRecord {
  const d = new Decimator(maxPoints, 3);
  for (const [s, l, e] of curve) d.push(s, l, e);
  const [step, loss, ess] = d.result().columns as [number[], number[], number[]];
  return { ...base(label), kind: 'training', L, beta, step, loss, ess, result };
}

export interface ChainsRecordOptions {
  label: string;
  spec: SamplerSpec;
  run: RunResult;
  summary: RunSummary;
  exact: Record<string, number> | null;
  deviationSigma: Record<string, number | null>;
  extra?: Record<string, unknown>;
  /** history points kept per chain and observable (at most twice this many) */
  maxPoints?: number;
}

/** A sampler run (the runner's chains after summariseRun) as a record. */
export function chainsRecord(o: ChainsRecordOptions): ChainsRecord {
  const maxPoints = o.maxPoints ?? 1000;
  const names = o.run.chains[0]?.names ?? [];
  const shown = HISTORY_OBSERVABLES.filter((n) => names.includes(n));
  const measuredChains = o.run.chains.filter((c) => c.measured > 0);
  let stride = 1;
  const histories = measuredChains.map((c) => {
    const d = new Decimator(maxPoints, shown.length);
    const cols = shown.map((n) => c.series[names.indexOf(n)]!);
    for (let i = 0; i < c.measured; i++) d.push(...cols.map((s) => s[i]!));
    const r = d.result();
    stride = Math.max(stride, r.stride);
    return { index: r.index, series: Object.fromEntries(shown.map((n, j) => [n, r.columns[j]!])) };
  });
  const autocorrelation: Record<string, AutocorrelationRecord> = {};
  for (const n of shown) {
    if (measuredChains.length === 0) break;
    const reps = measuredChains.map((c) => c.series[names.indexOf(n)]!);
    if (reps.some((r) => r.length < 2)) continue;
    const g = gammaMethod(reps, { rhoLags: 50 });
    const d = new Decimator(maxPoints, 2);
    for (let t = 0; t < g.rho.length; t++) d.push(t, g.rho[t]!);
    const [lag, rho] = d.result().columns as [number[], number[]];
    autocorrelation[n] = { lag, rho, window: g.window, tauInt: g.tauInt, tauIntErr: g.tauIntErr, ...(g.warning ? { warning: g.warning } : {}) };
  }
  const record: ChainsRecord = {
    ...base(o.label),
    kind: 'chains',
    sampler: o.spec.sampler,
    group: o.spec.group,
    dims: o.spec.dims,
    L: o.spec.L,
    beta: o.spec.beta,
    chains: o.run.chains.length,
    measured: o.summary.measured,
    wallSeconds: o.run.wallSeconds,
    acceptance: o.summary.acceptance,
    interrupted: o.run.interrupted,
    observables: o.summary.observables,
    exact: o.exact,
    deviationSigma: o.deviationSigma,
    histories: { stride, maxPoints, chains: histories },
    autocorrelation,
    extra: o.extra ?? {},
  };
  if (names.includes('Q')) record.charge = chargeHistogram(measuredChains.map((c) => c.series[names.indexOf('Q')]!), o.spec);
  return record;
}

/** Counts of each (integer) charge over all chains, with the exact 2D U(1) P(Q) on the same charges. */
export function chargeHistogram(series: readonly ArrayLike<number>[], spec: Pick<SamplerSpec, 'group' | 'dims' | 'L' | 'beta'>): { Q: number[]; count: number[]; exactP: number[] | null } {
  const counts = new Map<number, number>();
  for (const s of series) for (let i = 0; i < s.length; i++) {
    const q = Math.round(s[i]!);
    counts.set(q, (counts.get(q) ?? 0) + 1);
  }
  let exact: { Q: number[]; P: number[] } | null = null;
  if (spec.group === 'u1' && spec.dims === 2) {
    try {
      exact = u1ChargeDistribution2D(spec.beta, spec.L);
    } catch {
      exact = null; // out of the exact code's range: the histogram is still shown
    }
  }
  // Charges shown: every sampled one, and every one the exact distribution gives P ≥ 1e-4.
  const qs = new Set(counts.keys());
  if (exact) exact.Q.forEach((q, i) => exact!.P[i]! >= 1e-4 && qs.add(q));
  const Q = [...qs].sort((a, b) => a - b);
  const exactP = exact ? Q.map((q) => exact!.P[exact!.Q.indexOf(q)] ?? 0) : null;
  return { Q, count: Q.map((q) => counts.get(q) ?? 0), exactP };
}

/** τ_int(Q) of each chains record, for the τ_int-against-β plot when a run has several β. */
export function scanPointsFromChains(records: readonly ChainsRecord[]): ScanPoint[] {
  return records
    .filter((r) => r.observables.Q)
    .map((r) => {
      const q = r.observables.Q!;
      const p: ScanPoint = { sampler: r.sampler, L: r.L, beta: r.beta, tauIntQ: finiteOrNull(q.tauInt), tauIntQErr: finiteOrNull(q.tauIntErr) };
      if (q.warning) p.warning = q.warning;
      return p;
    });
}

export function scanRecord(label: string, points: ScanPoint[]): ScanRecord {
  return { ...base(label), kind: 'scan', points };
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
