/**
 * Gauge-flow model files: JSON { format, version, group, [N,] dims, kernel, trained: { L, beta },
 * flow, history, meta }, written to a temporary file and renamed. One format for every group: `group`
 * is 'u1' (flow payload 'u1-gauge', src/flows/gauge/build.ts) or 'su2' | 'su3' | 'suN' with `N`
 * (flow payload 'sun-gauge', src/flows/sun/flow.ts). Reading validates every field it uses, so a
 * model of another group or dimension, a truncated file or a missing field is a clear error naming
 * the file (never a silently different flow).
 */
import { writeFileAtomic } from '../../io/write-atomic.ts';
import { u1GaugeFlowFromJSON, u1GaugeFlowToJSON, validateU1Config, type U1GaugeFlowJSON } from './build.ts';
import type { U1GaugeFlow } from './flow.ts';
import { SUNGaugeFlow, sunGaugeFlowFromJSON, sunGaugeFlowToJSON, type SUNGaugeFlowJSON } from '../sun/flow.ts';
import { sunKernelName } from '../sun/coupling.ts';
import { checkSchema, type Schema } from '../../io/schema.ts';
import { readJsonFile } from '../../io/read-json.ts';

const KERNEL_SCHEMAS: Record<string, Schema> = {
  ircpm: { fields: { kind: 'string', modes: 'posint', eta: 'positive', tol: 'positive', maxIter: 'posint' } },
  ncp: { fields: { kind: 'string', mixtures: 'posint', sMax: 'positive', tol: 'positive', maxIter: 'posint' } },
  spline: { fields: { kind: 'string', bins: 'posint', minBinWidth: 'positive', minDerivative: 'positive' } },
  energy: {
    fields: { kind: 'string', beta: 'number', sigma: 'numbers', correctionModes: 'count', eta: 'positive', tol: 'positive', maxIter: 'posint', alpha: 'number', m: 'number' },
  },
};

/** Every field of a gauge layer that u1GaugeFlowFromJSON uses (src/io/schema.ts); the kernel by its kind. */
const CONDITIONER_SCHEMA: Schema = {
  fields: {
    inChannels: 'posint',
    hidden: { array: 'posint' },
    outChannels: 'posint',
    kernelSize: 'posint',
    dims: 'posint',
    activation: 'string',
    finalTanh: 'boolean',
    weights: { array: 'numbers', minLength: 2 },
  },
};

export const GAUGE_MODEL_FORMAT = 'gaugeflow-gauge-model';
export const GAUGE_MODEL_VERSION = 1;

export interface TrainingHistory {
  steps: number;
  seconds: number;
  /** per logged step: [step, loss, ess] */
  curve: [number, number, number][];
  /** earlier runs this model continued from (oldest first) */
  previous?: TrainingHistory[];
  [k: string]: unknown;
}

interface GaugeModelBase {
  format: typeof GAUGE_MODEL_FORMAT;
  version: number;
  savedAt: string;
  dims: number;
  kernel: string;
  trained: { L: number; beta: number };
  history: TrainingHistory;
  meta?: Record<string, unknown>;
}

export interface U1GaugeModelFile extends GaugeModelBase {
  group: 'u1';
  flow: U1GaugeFlowJSON;
}

export interface SUNGaugeModelFile extends GaugeModelBase {
  group: 'su2' | 'su3' | 'suN';
  N: number;
  flow: SUNGaugeFlowJSON;
}

export type GaugeModelFile = U1GaugeModelFile | SUNGaugeModelFile;

/** A flow a model file holds. */
export type GaugeFlow = U1GaugeFlow | SUNGaugeFlow;

/** The CLI's group name of SU(N) (samplers/registry.ts: su2, su3, or suN with N). */
export function sunGroupName(N: number): 'su2' | 'su3' | 'suN' {
  return N === 2 ? 'su2' : N === 3 ? 'su3' : 'suN';
}

export function gaugeModelPayload(flow: GaugeFlow, trained: { L: number; beta: number }, history: TrainingHistory, meta?: Record<string, unknown>): GaugeModelFile {
  const common = {
    format: GAUGE_MODEL_FORMAT,
    version: GAUGE_MODEL_VERSION,
    savedAt: new Date().toISOString(),
    dims: flow.dims,
    trained,
    history,
    ...(meta ? { meta } : {}),
  } as const;
  if (flow instanceof SUNGaugeFlow) {
    // the SU(N) spectral layers: IRCPM on the maximal torus, energy-informed or not (src/flows/sun/coupling.ts)
    return { ...common, group: sunGroupName(flow.N), N: flow.N, kernel: sunKernelName(flow.options), flow: sunGaugeFlowToJSON(flow) };
  }
  const json = u1GaugeFlowToJSON(flow);
  return { ...common, group: 'u1', kernel: json.config.kernel, flow: json };
}

export function saveGaugeModel(path: string, file: GaugeModelFile): void {
  writeFileAtomic(path, JSON.stringify(file), 'model file');
}

export function readGaugeModel(path: string): GaugeModelFile {
  const j = readJsonFile(path) as GaugeModelFile;
  const bad = (what: string) => new Error(`model file ${path}: ${what}`);
  if (!j || typeof j !== 'object') throw bad('not a JSON object');
  if (j.format !== GAUGE_MODEL_FORMAT) {
    if ((j as { format?: unknown }).format === 'gaugeflow-model') throw bad('this is a manifold-flow model (from `gaugeflow fit`), not a gauge-field flow (from `gaugeflow train`)');
    throw bad(`not a gaugeflow gauge-flow model (format ${JSON.stringify((j as { format?: unknown }).format)})`);
  }
  if (j.version !== GAUGE_MODEL_VERSION) throw bad(`format version ${String(j.version)}; this gaugeflow reads version ${GAUGE_MODEL_VERSION}`);
  if ((j as { target?: unknown }).target === 'single') throw bad('a single-matrix model (`train --target single`), not a lattice flow');
  if (!['u1', 'su2', 'su3', 'suN'].includes(j.group)) throw bad(`group ${JSON.stringify(j.group)} is not supported (u1, su2, su3, suN)`);
  if (!j.trained || !Number.isInteger(j.trained.L) || !(typeof j.trained.beta === 'number' && Number.isFinite(j.trained.beta))) throw bad('missing or invalid `trained` {L, beta}');
  if (j.group !== 'u1') return checkSUN(j, bad);
  if (!j.flow || typeof j.flow !== 'object' || j.flow.type !== 'u1-gauge') throw bad('missing or invalid `flow` payload');
  try {
    validateU1Config(j.flow.config);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (j.dims !== j.flow.config.dims) throw bad(`dims ${String(j.dims)} disagrees with the flow's ${j.flow.config.dims}`);
  if (!Array.isArray(j.flow.layers) || j.flow.layers.length !== j.flow.config.layers) throw bad('layer weights missing or incomplete');
  try {
    j.flow.layers.forEach((l, i) => {
      checkSchema(l, { fields: { conditioner: CONDITIONER_SCHEMA, kernel: 'object' } }, `flow.layers[${i}]`);
      const kind = String((l.kernel as { kind?: unknown }).kind);
      if (kind !== j.flow.config.kernel) throw new Error(`flow.layers[${i}].kernel.kind: expected "${j.flow.config.kernel}" (the config's kernel), got "${kind}"`);
      checkSchema(l.kernel, KERNEL_SCHEMAS[kind]!, `flow.layers[${i}].kernel`);
    });
    checkSchema(j.history, { fields: { steps: 'count', seconds: 'number' } }, 'history');
  } catch (e) {
    throw bad((e as Error).message);
  }
  return j;
}

/** The SU(N) part of readGaugeModel: group, N and the 'sun-gauge' payload (weight shapes are checked when it is rebuilt). */
function checkSUN(j: SUNGaugeModelFile, bad: (what: string) => Error): SUNGaugeModelFile {
  if (!Number.isInteger(j.N) || j.N < 2) throw bad(`group ${j.group} needs an integer N ≥ 2, got ${JSON.stringify(j.N)}`);
  if (sunGroupName(j.N) !== j.group) throw bad(`group ${j.group} disagrees with N = ${j.N}`);
  const f = j.flow;
  if (!f || typeof f !== 'object' || f.type !== 'sun-gauge') throw bad('missing or invalid `flow` payload');
  if (f.N !== j.N) throw bad(`N ${j.N} disagrees with the flow's ${String(f.N)}`);
  if (j.dims !== f.dims) throw bad(`dims ${String(j.dims)} disagrees with the flow's ${String(f.dims)}`);
  if (!Number.isInteger(f.layers) || f.layers < 1) throw bad('flow.layers: expected a positive integer');
  if (!f.options || typeof f.options !== 'object') throw bad('flow.options: expected an object');
  if (!Array.isArray(f.weights) || f.weights.length === 0) throw bad('layer weights missing or incomplete');
  f.weights.forEach((w, i) => {
    if (!Array.isArray(w) || !w.every((x) => typeof x === 'number' && Number.isFinite(x))) throw bad(`flow.weights[${i}]: expected an array of finite numbers`);
  });
  try {
    checkSchema(j.history, { fields: { steps: 'count', seconds: 'number' } }, 'history');
  } catch (e) {
    throw bad((e as Error).message);
  }
  return j;
}

/**
 * Read and rebuild a model file's flow (a U(1) flow optionally re-targeted to another β; an SU(N)
 * flow has no β-dependent kernel).
 */
export function loadGaugeModel(path: string, beta?: number): { file: GaugeModelFile; flow: GaugeFlow } {
  const file = readGaugeModel(path);
  try {
    return { file, flow: file.group === 'u1' ? u1GaugeFlowFromJSON(file.flow, beta) : sunGaugeFlowFromJSON(file.flow) };
  } catch (e) {
    throw new Error(`model file ${path}: ${(e as Error).message}`);
  }
}
