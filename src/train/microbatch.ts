/**
 * The unit of data-parallel training: the gradient of one microbatch, a pure function of
 * (weights, seed, step, microbatch index, size). The main thread and the worker threads call the
 * same function, so a step's gradients do not depend on who computed them.
 */
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { tf } from '../backend/index.ts';
import { makeRng } from '../../lattices/random.ts';
import type { BatchLoss } from './train.ts';
import { flattenGradients } from './flat.ts';

/**
 * A model that can be rebuilt from JSON in any thread: `module` (absolute path or file URL) exports
 * `buildTrainable(config): Trainable | Promise<Trainable>`, which must build the same initial
 * variables for the same config in every thread (derive them from a seed in the config).
 */
export interface TrainableSpec {
  module: string;
  config: unknown;
}

export interface Trainable {
  readonly variables: tf.Variable[];
  /**
   * The loss of one microbatch under the gradient tape (the BatchLoss contract of train.ts): the mean
   * over the microbatch's ok samples, drawing all its randomness from `rng`.
   */
  loss: BatchLoss;
}

/** Import a spec's module and build its Trainable, with clear errors for a bad spec or module. */
export async function loadTrainable(spec: TrainableSpec): Promise<Trainable> {
  if (!spec || typeof spec.module !== 'string' || spec.module === '') throw new Error('trainable spec: `module` must be an absolute path or a file URL');
  let url: string;
  if (spec.module.startsWith('file:')) url = spec.module;
  else if (isAbsolute(spec.module)) url = pathToFileURL(spec.module).href;
  else throw new Error(`trainable spec: module '${spec.module}' must be an absolute path or a file URL (worker threads resolve nothing relative)`);
  let mod: { buildTrainable?: unknown };
  try {
    mod = await import(url);
  } catch (e) {
    throw new Error(`trainable spec: cannot import ${spec.module}: ${(e as Error).message}`);
  }
  if (typeof mod.buildTrainable !== 'function') throw new Error(`trainable spec: ${spec.module} does not export a buildTrainable(config) function`);
  const t = (await (mod.buildTrainable as (c: unknown) => Trainable | Promise<Trainable>)(spec.config)) as Trainable;
  if (!t || !Array.isArray(t.variables) || typeof t.loss !== 'function') throw new Error(`trainable spec: buildTrainable of ${spec.module} did not return { variables, loss }`);
  if (t.variables.length === 0) throw new Error(`trainable spec: the model built by ${spec.module} has no variables`);
  return t;
}

/** The fixed split of a batch into microbatches: sizes differ by at most one, larger ones first. */
export function microbatchSizes(batch: number, microbatches: number): number[] {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(microbatches) || microbatches < 1) throw new Error(`microbatches must be a positive integer, got ${microbatches}`);
  if (microbatches > batch) throw new Error(`microbatches (${microbatches}) cannot exceed the batch (${batch})`);
  const base = Math.floor(batch / microbatches);
  return Array.from({ length: microbatches }, (_, m) => base + (m < batch % microbatches ? 1 : 0));
}

/** One microbatch's result, everything in plain arrays (it crosses threads). */
export interface MicrobatchResult {
  /** gradient of the microbatch loss, flat in variable order */
  grad: Float32Array;
  /** the loss's report, or its value */
  loss: number;
  okFraction: number;
  /** log importance weights log p̃ − log q of the samples, when the loss gives them */
  logWeights?: Float64Array;
  /** seconds spent computing this gradient */
  seconds: number;
}

/**
 * The value and flat gradient of one minibatch loss (shared by the in-process loop of train.ts and
 * the data-parallel one).
 */
export function lossGradient(variables: tf.Variable[], lossFn: BatchLoss, size: number, rng: () => number): Omit<MicrobatchResult, 'seconds'> {
  let r: ReturnType<BatchLoss> | undefined;
  const { value, grads } = tf.variableGrads(() => {
    r = lossFn(size, rng);
    return r.loss;
  }, variables);
  const loss = r!.report ?? value.dataSync()[0];
  const grad = flattenGradients(variables, grads);
  tf.dispose([value, ...Object.values(grads)]);
  const out: Omit<MicrobatchResult, 'seconds'> = { grad, loss, okFraction: r!.okFraction };
  if (r!.logWeights) out.logWeights = Float64Array.from(r!.logWeights);
  return out;
}

/** The gradient of microbatch m of step `step`: its randomness is makeRng(seed, 'train', step, m). */
export function microbatchGradient(trainable: Trainable, seed: string | number, step: number, m: number, size: number): MicrobatchResult {
  const t0 = performance.now();
  const r = lossGradient(trainable.variables, trainable.loss, size, makeRng(seed, 'train', step, m));
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}
