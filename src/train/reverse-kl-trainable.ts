/**
 * A Trainable for trainParallel: an IRCPM flow on a manifold, trained by reverse KL against a named
 * target, rebuilt from plain JSON in any thread. Spec: { module: <this file>, config }.
 */
import { fileURLToPath } from 'node:url';
import { manifoldByName } from '../manifolds/index.ts';
import { makeIRCPM, type IRCPMOptions } from '../flows/ircpm/stack.ts';
import { targetByName } from '../targets/index.ts';
import { makeRng } from '../../lattices/random.ts';
import { reverseKLLoss } from './train.ts';
import type { Trainable, TrainableSpec } from './microbatch.ts';

export interface ReverseKLTrainableConfig {
  /** target name (targets/index.ts); its manifold is the flow's */
  target: string;
  /** the initial weights come from makeRng(seed, 'init') */
  seed: string | number;
  flow?: Pick<IRCPMOptions, 'layers' | 'shared' | 'hidden' | 'potential' | 'frequencies' | 'solver'>;
  estimator?: 'total' | 'path';
}

export function buildTrainable(config: ReverseKLTrainableConfig): Trainable {
  if (!config || typeof config.target !== 'string') throw new Error('reverse-KL trainable: config.target (a target name) is required');
  if (typeof config.seed !== 'string' && typeof config.seed !== 'number') throw new Error('reverse-KL trainable: config.seed is required');
  const target = targetByName(config.target);
  const flow = makeIRCPM(manifoldByName(target.manifold), makeRng(config.seed, 'init'), config.flow ?? {});
  return { variables: flow.variables, loss: reverseKLLoss(flow, target.logp, config.estimator ?? 'total') };
}

/** The spec of this module with a config. */
export function reverseKLSpec(config: ReverseKLTrainableConfig): TrainableSpec {
  return { module: fileURLToPath(import.meta.url), config };
}
