/**
 * A U(1) gauge flow as a data-parallel Trainable (src/train/parallel.ts): rebuilt from plain JSON in
 * every worker thread, trained by reverse KL against the Wilson action on an L^d lattice.
 */
import { fileURLToPath } from 'node:url';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { makeU1GaugeFlow, u1GaugeFlowFromJSON, type U1GaugeFlowConfig, type U1GaugeFlowJSON } from './build.ts';
import { gaugeReverseKL, type Estimator } from './loss.ts';
import type { U1GaugeFlow } from './flow.ts';

export interface GaugeTrainableConfig {
  flow: U1GaugeFlowConfig;
  /** lattice extent (L^d) and coupling of the target the flow is trained on */
  L: number;
  beta: number;
  estimator: Estimator;
  /** fresh weights come from makeRng(seed, 'init') */
  seed: string | number;
  /** start from these weights instead (continue or fine-tune) */
  initial?: U1GaugeFlowJSON;
}

export function buildGaugeFlow(config: GaugeTrainableConfig): U1GaugeFlow {
  if (!config || typeof config !== 'object') throw new Error('gauge trainable: config must be an object');
  return config.initial ? u1GaugeFlowFromJSON(config.initial, config.beta) : makeU1GaugeFlow({ ...config.flow, beta: config.beta }, makeRng(config.seed, 'init'));
}

export function buildTrainable(config: GaugeTrainableConfig) {
  const flow = buildGaugeFlow(config);
  const lattice = makeLattice(new Array<number>(flow.dims).fill(config.L));
  return { variables: flow.variables, loss: gaugeReverseKL(flow, lattice, config.beta, config.estimator), flow };
}

/** The spec of this module for trainParallel. */
export function gaugeTrainableSpec(config: GaugeTrainableConfig): { module: string; config: GaugeTrainableConfig } {
  return { module: fileURLToPath(import.meta.url), config };
}
