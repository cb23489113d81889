/**
 * What `gaugeflow report` accepts, turned into run records (src/report/records.ts): a run
 * directory, one run record, a `sample --json` or `train --json` result, a gauge model file (its
 * training curve), or the freezing benchmark's JSON. A result without histories gives the tables and
 * whatever plots its numbers allow.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../cli/args.ts';
import { GAUGE_MODEL_FORMAT } from '../flows/gauge/model-file.ts';
import { isRunRecord, readRunDir } from './run-dir.ts';
import { RUN_RECORD_FORMAT, RUN_RECORD_VERSION, type ChainsRecord, type RunRecord, type ScanPoint, type TrainingRecord } from './records.ts';

export interface ReportInput {
  source: string;
  records: RunRecord[];
}

export function loadReportInput(path: string): ReportInput {
  if (!existsSync(path)) throw new UsageError(`input ${path} does not exist`);
  if (statSync(path).isDirectory()) {
    const records = readRunDir(path).map((r) => r.record);
    if (records.length === 0) throw new UsageError(`${path} holds no run records (write them with --run-dir of train, sample, showcase or bench freezing)`);
    return { source: path, records };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${path} as JSON: ${(e as Error).message}`);
  }
  const records = fromJson(parsed, basename(path));
  if (!records) throw new UsageError(`${path} is not a gaugeflow result (expected a run directory, a run record, sample/train --json output, a model file or bench freezing JSON)`);
  return { source: path, records };
}

const header = (label: string, createdAt: unknown) => ({
  format: RUN_RECORD_FORMAT as typeof RUN_RECORD_FORMAT,
  version: RUN_RECORD_VERSION,
  label,
  createdAt: typeof createdAt === 'string' ? createdAt : new Date().toISOString(),
});

function fromJson(x: unknown, name: string): RunRecord[] | null {
  if (typeof x !== 'object' || x === null) return null;
  if (isRunRecord(x)) return [x];
  const o = x as Record<string, unknown>;
  if (o.command === 'sample' && o.spec && o.observables) return [sampleResultRecord(o)];
  if (o.command === 'train') {
    const t: TrainingRecord = { ...header(`train L=${o.L} β=${o.beta}`, undefined), kind: 'training', L: Number(o.L), beta: Number(o.beta), step: [], loss: [], ess: [], result: o };
    return [t];
  }
  if (o.format === GAUGE_MODEL_FORMAT) {
    const m = o as { trained: { L: number; beta: number }; history: { curve?: [number, number, number][]; steps?: number; seconds?: number }; savedAt?: string; kernel?: string };
    const curve = m.history?.curve ?? [];
    return [
      {
        ...header(`${name}: L=${m.trained.L} β=${m.trained.beta}`, m.savedAt),
        kind: 'training',
        L: m.trained.L,
        beta: m.trained.beta,
        step: curve.map((c) => c[0]),
        loss: curve.map((c) => c[1]),
        ess: curve.map((c) => (c[2] === null ? NaN : c[2])),
        result: { kernel: m.kernel, steps: m.history?.steps, trainSeconds: m.history?.seconds },
      },
    ];
  }
  if (o.bench === 'freezing' && Array.isArray(o.points)) {
    const points: ScanPoint[] = [];
    for (const p of o.points as Record<string, unknown>[]) {
      for (const s of ['hmc', 'flow']) {
        const r = p[s] as Record<string, unknown> | undefined;
        if (!r) continue;
        points.push({ sampler: s, L: Number(p.L), beta: Number(p.beta), tauIntQ: (r.tauIntQ as number | null) ?? null, tauIntQErr: (r.tauIntQErr as number | null) ?? null, ...(r.warning ? { warning: String(r.warning) } : {}) });
      }
    }
    return [{ ...header('freezing benchmark', o.createdAt), kind: 'scan', points }];
  }
  return null;
}

function sampleResultRecord(o: Record<string, unknown>): ChainsRecord {
  const spec = o.spec as { sampler: string; group: string; dims: number; L: number; beta: number };
  const exact = o.exact as Record<string, unknown> | null;
  const exactValues = exact ? Object.fromEntries(Object.entries(exact).filter(([, v]) => typeof v === 'number')) as Record<string, number> : null;
  const nullToNaN = (obs: Record<string, Record<string, unknown>>) =>
    Object.fromEntries(Object.entries(obs).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([a, b]) => [a, b === null ? NaN : b]))])) as unknown as ChainsRecord['observables'];
  return {
    ...header(`${spec.sampler} L=${spec.L} β=${spec.beta}`, undefined),
    kind: 'chains',
    sampler: spec.sampler,
    group: spec.group,
    dims: spec.dims,
    L: spec.L,
    beta: spec.beta,
    chains: Number(o.chains),
    measured: Number(o.measured),
    wallSeconds: Number(o.wallSeconds),
    acceptance: o.acceptance === null ? NaN : Number(o.acceptance),
    interrupted: Boolean(o.interrupted),
    observables: nullToNaN(o.observables as Record<string, Record<string, unknown>>),
    exact: exactValues,
    deviationSigma: (o.deviationSigma as Record<string, number | null>) ?? {},
    histories: { stride: 1, maxPoints: 0, chains: [] },
    autocorrelation: {},
    extra: {},
  };
}
