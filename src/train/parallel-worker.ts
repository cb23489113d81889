/**
 * The worker side of data-parallel training (see parallel.ts). Each thread builds the Trainable
 * once from its spec, on the backend the main thread names, and then answers one `gradients` task
 * per step: load the step's weights from shared memory and return the gradients of its share of
 * the microbatches, transferring their buffers back (one message each way per thread and step).
 */
import { threadId } from 'node:worker_threads';
import workerpool from 'workerpool';
import { initBackend } from '../backend/index.ts';
import { assignVariables, readVariables, variableShapes } from './flat.ts';
import { loadTrainable, microbatchGradient, type MicrobatchResult, type Trainable, type TrainableSpec } from './microbatch.ts';

export interface GradientTask {
  spec: TrainableSpec;
  backend: string;
  /** Float32 weights of the step, written by the main thread before it publishes `step` in `version` */
  weights: SharedArrayBuffer;
  /** one Int32: the step whose weights `weights` holds */
  version: SharedArrayBuffer;
  seed: string | number;
  step: number;
  /** the microbatches this thread computes in this step, in order */
  microbatches: { m: number; size: number }[];
}

export interface WorkerGradient extends MicrobatchResult {
  m: number;
  thread: number;
}

let built: Promise<Trainable> | null = null;
let builtKey = '';
let loadedStep = -1;

function trainable(spec: TrainableSpec, backend: string): Promise<Trainable> {
  const key = JSON.stringify(spec);
  if (!built || key !== builtKey) {
    builtKey = key;
    loadedStep = -1;
    built = initBackend(backend).then(async (active) => {
      if (active !== backend) throw new Error(`worker backend is '${active}', the main thread uses '${backend}'`);
      return loadTrainable(spec);
    });
  }
  return built;
}

async function describe(spec: TrainableSpec, backend: string) {
  const t = await trainable(spec, backend);
  const weights = readVariables(t.variables);
  return new workerpool.Transfer({ shapes: variableShapes(t.variables), weights }, [weights.buffer]);
}

async function gradients(task: GradientTask) {
  const t = await trainable(task.spec, task.backend);
  // the sequentially consistent load pairs with the main thread's Atomics.store after it wrote the weights
  const published = Atomics.load(new Int32Array(task.version), 0);
  if (published !== task.step) throw new Error(`shared weights are those of step ${published}, the task is for step ${task.step}`);
  if (loadedStep !== task.step) {
    assignVariables(t.variables, new Float32Array(task.weights));
    loadedStep = task.step;
  }
  const out: WorkerGradient[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const { m, size } of task.microbatches) {
    let r: WorkerGradient;
    try {
      r = { ...microbatchGradient(t, task.seed, task.step, m, size), m, thread: threadId };
    } catch (e) {
      throw new Error(`microbatch ${m}: ${(e as Error).message}`);
    }
    out.push(r);
    transfer.push(r.grad.buffer as ArrayBuffer);
    if (r.logWeights) transfer.push(r.logWeights.buffer as ArrayBuffer);
  }
  return new workerpool.Transfer(out, transfer);
}

workerpool.worker({ describe, gradients });
