/**
 * The worker side of the runner: one registered method, `runChain(task, stopBuffer)`.
 * `stopBuffer` is a SharedArrayBuffer (one Int32) the main thread sets to 1 to stop every chain
 * at its next update; progress goes back as workerEmit events.
 */
import workerpool from 'workerpool';
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

workerpool.worker({ runChain: runChainTask });
