/**
 * Single-matrix model files (`gaugeflow train --target single`): the gauge-model format
 * (src/flows/gauge/model-file.ts) with `target: 'single'`, the group and N, the target trained for
 * (`trained: { beta, coeffs }` of p(U) ∝ exp((β/N) Re tr Σ_k c_k Uᵏ)) and, as `flow`, the IRCPM stack
 * on the maximal torus whose layers are the spectral flow's kernels (spectralFlowFromIRCPM). Every
 * field the loader uses is checked (src/io/schema.ts) before anything is built, so a lattice model,
 * a truncated file or a missing field is a clear error naming the file.
 */
import { checkSchema, type Schema } from '../../io/schema.ts';
import { FLOW_PAYLOAD_SCHEMAS } from '../io.ts';
import { IRCPMFlow, type IRCPMJSON } from '../ircpm/stack.ts';
import { GAUGE_MODEL_FORMAT, GAUGE_MODEL_VERSION, sunGroupName, type TrainingHistory } from '../gauge/model-file.ts';
import { spectralFlowFromIRCPM, type SingleMatrixTarget, type SpectralFlow } from './single-matrix.ts';
import { readJsonFile } from '../../io/read-json.ts';

export interface SingleMatrixModelFile {
  format: typeof GAUGE_MODEL_FORMAT;
  version: number;
  savedAt: string;
  target: 'single';
  group: 'su2' | 'su3' | 'suN';
  N: number;
  kernel: 'ircpm';
  trained: { beta: number; coeffs: number[] };
  flow: IRCPMJSON;
  history: TrainingHistory;
}

const SCHEMA: Schema = {
  fields: {
    version: { enum: [GAUGE_MODEL_VERSION] },
    target: { enum: ['single'] },
    group: { enum: ['su2', 'su3', 'suN'] },
    N: 'posint',
    kernel: { enum: ['ircpm'] },
    trained: { fields: { beta: 'number', coeffs: { array: 'number', minLength: 1 } } },
    flow: FLOW_PAYLOAD_SCHEMAS.ircpm,
    history: { fields: { steps: 'count', seconds: 'number' } },
  },
};

export function singleMatrixModelPayload(flow: SpectralFlow, target: SingleMatrixTarget, history: TrainingHistory): SingleMatrixModelFile {
  return {
    format: GAUGE_MODEL_FORMAT,
    version: GAUGE_MODEL_VERSION,
    savedAt: new Date().toISOString(),
    target: 'single',
    group: sunGroupName(flow.N),
    N: flow.N,
    kernel: 'ircpm',
    trained: { beta: target.beta, coeffs: [...target.coeffs] },
    flow: flow.ircpm!.toJSON(),
    history,
  };
}

export function readSingleMatrixModel(path: string): SingleMatrixModelFile {
  const j = readJsonFile(path) as SingleMatrixModelFile;
  const bad = (what: string) => new Error(`model file ${path}: ${what}`);
  if (!j || typeof j !== 'object' || j.format !== GAUGE_MODEL_FORMAT) throw bad('not a gaugeflow gauge-flow model');
  if (j.target !== 'single') throw bad('a lattice flow, not a single-matrix model (`train --target single`)');
  try {
    checkSchema(j, SCHEMA);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (j.group !== sunGroupName(j.N)) throw bad(`group ${j.group} disagrees with N = ${j.N}`);
  if (j.flow.manifold !== `maxtorus${j.N}`) throw bad(`flow.manifold: expected "maxtorus${j.N}" (the maximal torus of SU(${j.N})), got "${j.flow.manifold}"`);
  return j;
}

/** The model file and its spectral flow on SU(N) matrices. */
export function loadSingleMatrixModel(path: string): { file: SingleMatrixModelFile; flow: SpectralFlow } {
  const file = readSingleMatrixModel(path);
  try {
    return { file, flow: spectralFlowFromIRCPM(IRCPMFlow.fromJSON(file.flow)) };
  } catch (e) {
    throw new Error(`model file ${path}: ${(e as Error).message}`);
  }
}
