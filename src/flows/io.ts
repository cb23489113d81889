/**
 * Model files: JSON { format: 'gaugeflow-model', version, flow: <payload of flow.toJSON()>, meta }.
 * Written to a temporary file and renamed, so a crash never leaves a half-written model; a wrong,
 * truncated or foreign file is a clear error naming the file.
 */
import { writeFileAtomic } from '../io/write-atomic.ts';
import type { Flow } from './types.ts';
import { IRCPMFlow, type IRCPMJSON } from './ircpm/stack.ts';
import { manifoldByName } from '../manifolds/index.ts';
import { checkSchema, type Schema } from '../io/schema.ts';
import { readJsonFile } from '../io/read-json.ts';

/** Trained weights: one array of finite numbers per variable (never optional: a model without them is not the model). */
const WEIGHTS: Schema = { array: 'numbers', minLength: 1 };

/** Every field of a flow payload that flowFromJSON uses (src/io/schema.ts). */
export const FLOW_PAYLOAD_SCHEMAS: Record<'ircpm' | 'cnf', Schema> = {
  ircpm: {
    fields: {
      type: { enum: ['ircpm'] },
      manifold: 'string',
      layers: 'posint',
      shared: 'boolean',
      solver: { fields: { tol: 'positive', maxIter: 'posint', maxStep: 'positive', restarts: { array: 'positive', minLength: 1 } } },
      potentials: {
        array: { fields: { spec: { fields: { kind: { enum: ['mlp', 'fourier'] }, inputDim: 'posint' } }, weights: { array: 'numbers' } } },
        minLength: 1,
      },
    },
  },
  cnf: {
    fields: {
      type: { enum: ['cnf'] },
      manifold: 'string',
      steps: 'posint',
      mode: { enum: ['exact', 'divergence', 'hybrid'] },
      symmetry: { optional: { enum: ['none', 'sum', 'difference', 'permutation'] } },
      potential: {
        fields: {
          spec: { fields: { features: 'object', hidden: { array: 'posint' }, activation: 'string', timeHarmonics: { optional: 'count' } } },
          weights: WEIGHTS,
        },
      },
    },
  },
};

export const MODEL_FORMAT = 'gaugeflow-model';
export const MODEL_VERSION = 1;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  savedAt: string;
  flow: { type: string; manifold: string } & Record<string, unknown>;
  meta?: Record<string, unknown>;
}

export function saveFlow(path: string, flow: Flow, meta?: Record<string, unknown>): void {
  const file: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    savedAt: new Date().toISOString(),
    flow: flow.toJSON() as ModelFile['flow'],
    meta,
  };
  writeFileAtomic(path, JSON.stringify(file), 'model file');
}

/** Rebuild a flow from its toJSON() payload. */
export async function flowFromJSON(payload: ModelFile['flow']): Promise<Flow> {
  if (!payload || typeof payload !== 'object' || typeof payload.type !== 'string') throw new Error('model payload has no flow type');
  switch (payload.type) {
    case 'ircpm':
      return IRCPMFlow.fromJSON(payload as unknown as IRCPMJSON);
    case 'cnf': {
      const { CNF } = await import('./cnf/cnf.ts');
      return CNF.fromJSON(payload as never, manifoldByName(payload.manifold));
    }
    default:
      throw new Error(`unknown flow type '${payload.type}' (expected ircpm or cnf)`);
  }
}

export function readModelFile(path: string): ModelFile {
  const json = readJsonFile(path) as ModelFile;
  if (!json || typeof json !== 'object' || json.format !== MODEL_FORMAT) throw new Error(`${path} is not a gaugeflow model file (format field missing or wrong)`);
  if (json.version !== MODEL_VERSION) throw new Error(`model file ${path} has format version ${json.version}; this gaugeflow reads version ${MODEL_VERSION}`);
  if (!json.flow || typeof json.flow !== 'object') throw new Error(`model file ${path} has no flow payload`);
  const schema = FLOW_PAYLOAD_SCHEMAS[json.flow.type as 'ircpm' | 'cnf'];
  if (!schema) throw new Error(`model file ${path}: unknown flow type '${String(json.flow.type)}' (expected ircpm or cnf)`);
  try {
    checkSchema(json.flow, schema, 'flow');
  } catch (e) {
    throw new Error(`model file ${path}: ${(e as Error).message}`);
  }
  return json;
}

export async function loadFlow(path: string): Promise<Flow> {
  const file = readModelFile(path);
  try {
    return await flowFromJSON(file.flow);
  } catch (e) {
    throw new Error(`model file ${path}: ${(e as Error).message}`);
  }
}

/**
 * A flow payload from either a model file or a bare payload (what `bench/cnf.ts --save` writes),
 * validated field by field: a truncated, corrupt or foreign file is a clear error naming the file.
 */
export function readFlowPayload(path: string): ModelFile['flow'] {
  const json = readJsonFile(path) as Record<string, unknown>;
  if (json && typeof json === 'object' && 'format' in json) return readModelFile(path).flow;
  const schema = json && typeof json === 'object' ? FLOW_PAYLOAD_SCHEMAS[json.type as 'ircpm' | 'cnf'] : undefined;
  if (!schema) throw new Error(`${path} is neither a gaugeflow model file nor a flow payload (type ircpm or cnf)`);
  try {
    checkSchema(json, schema, 'flow');
  } catch (e) {
    throw new Error(`model file ${path}: ${(e as Error).message}`);
  }
  return json as ModelFile['flow'];
}
