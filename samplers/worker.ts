/**
 * The worker side of the runner, two registered methods:
 * - `runChain(task, stopBuffer)`: a whole baseline chain. `stopBuffer` is a SharedArrayBuffer (one
 *   Int32) the main thread sets to 1 to stop every chain at its next update; progress goes back as
 *   workerEmit events.
 * - `flowBatch(task)`: one proposal batch of a flow chain, reduced to log-weights and observables
 *   (their buffers are transferred, not copied). Each proposal module is loaded once per worker.
 */
import workerpool from 'workerpool';
import { drawFlowBatch, ProposalCache, type FlowBatchTask } from './flow_batch.ts';
import { runChain, type ChainResult, type ChainTask } from './runner_chain.ts';

export interface ProgressEvent {
  chain: number;
  done: number;
  total: number;
}

async function runChainTask(task: ChainTask, stopBuffer: SharedArrayBuffer): Promise<ChainResult> {
  const stop = new Int32Array(stopBuffer);
  return runChain(task, {
    shouldStop: () => Atomics.load(stop, 0) !== 0,
    progress: (done, total) => workerpool.workerEmit({ chain: task.chain, done, total } satisfies ProgressEvent),
  });
}

const proposals = new ProposalCache();

async function flowBatchTask(task: FlowBatchTask): Promise<unknown> {
  const r = await drawFlowBatch(task, proposals);
  const buffers: ArrayBuffer[] = [r.logw.buffer as ArrayBuffer, r.obs.buffer as ArrayBuffer];
  if (r.fields) buffers.push(r.fields.buffer as ArrayBuffer);
  return new workerpool.Transfer(r, buffers);
}

workerpool.worker({ runChain: runChainTask, flowBatch: flowBatchTask });
