/**
 * The worker side of exact-density.ts: rebuild the CNF from its JSON on the main thread's backend
 * and return the exact log-density of its share of the chunks, as the main thread would.
 */
import workerpool from 'workerpool';
import { initBackend } from '../backend/index.ts';
import { CNF, type CNFJSON } from '../flows/cnf/cnf.ts';
import { manifoldByName } from '../manifolds/index.ts';
import { exactLogDensityHere } from './exact-density.ts';

export interface DensityTask {
  model: CNFJSON;
  manifold: string;
  backend: string;
  /** row-major [m, A] chunks of points, float32 as the tensors (transferred) */
  chunks: Float32Array[];
  A: number;
}

async function exactLogDensity(task: DensityTask) {
  const active = await initBackend(task.backend);
  if (active !== task.backend) throw new Error(`worker backend is '${active}', the main thread uses '${task.backend}'`);
  const cnf = CNF.fromJSON(task.model, manifoldByName(task.manifold));
  const r = exactLogDensityHere(cnf, task.chunks, task.A);
  return new workerpool.Transfer(r, [r.logq.buffer, r.ok.buffer]);
}

workerpool.worker({ ready: () => true, exactLogDensity });
