/**
 * An SU(N) gauge flow as a data-parallel Trainable (src/train/parallel.ts): rebuilt from plain JSON
 * in every worker thread, trained by reverse KL against the Wilson action on an L^d lattice (the
 * SU(N) counterpart of src/flows/gauge/trainable.ts).
 */
import { fileURLToPath } from 'node:url';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import type { SUNCouplingOptions } from './coupling.ts';
import { makeSUNGaugeFlow, sunGaugeFlowFromJSON, sunGaugeReverseKL, type SUNGaugeFlow, type SUNGaugeFlowJSON } from './flow.ts';

export interface SUNTrainableConfig {
  dims: number;
  N: number;
  layers: number;
  options?: SUNCouplingOptions;
  L: number;
  beta: number;
  estimator: 'total' | 'path';
  /** fresh weights come from makeRng(seed, 'init') */
  seed: string | number;
  /** start from these weights instead */
  initial?: SUNGaugeFlowJSON;
}

export function buildSUNGaugeFlow(c: SUNTrainableConfig): SUNGaugeFlow {
  if (!c || typeof c !== 'object') throw new Error('SU(N) trainable: config must be an object');
  return c.initial ? sunGaugeFlowFromJSON(c.initial) : makeSUNGaugeFlow(c.dims, c.N, c.layers, makeRng(c.seed, 'init'), c.options ?? {});
}

export function buildTrainable(config: SUNTrainableConfig) {
  const flow = buildSUNGaugeFlow(config);
  const lattice = makeLattice(new Array<number>(flow.dims).fill(config.L));
  return { variables: flow.variables, loss: sunGaugeReverseKL(flow, lattice, config.beta, config.estimator), flow };
}

/** The spec of this module for trainParallel. */
export function sunTrainableSpec(config: SUNTrainableConfig): { module: string; config: SUNTrainableConfig } {
  return { module: fileURLToPath(import.meta.url), config };
}
