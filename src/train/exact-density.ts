/**
 * The exact log-density of a CNF's discrete map (Newton-inverted steps, float64 log-determinants:
 * CNF.logProbExact) at many points, in this thread or on worker threads.
 *
 * Why threads: it is the bulk of `fit --data`'s work after training (≈ 23–28 ms a point on fire's
 * trained CNF, 1781 test and selection points), and the wasm backend runs one thread. Why it is
 * bit-identical whatever the thread count: every set of points is cut into the same chunks of CHUNK
 * rows either way, as meanNLLExact cuts it (Newton iterates a chunk until all its rows converge, so
 * a row's value depends on its chunk), each worker takes whole chunks, and every thread runs the
 * main thread's backend.
 *
 * The work is posted to the workers up front, one task per worker, before the call resolves: the
 * caller may then run synchronous work of its own (the kernel selection) while the workers compute,
 * and nothing waits on the main thread's event loop in between.
 */
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { tf, activeBackend } from '../backend/index.ts';
import type { CNF } from '../flows/cnf/cnf.ts';
import type { DensityTask } from './exact-density-worker.ts';
import { runInterruptible, runToEnd } from './stepwise.ts';

/** Rows per logProbExact call, here and in the workers: fixes which rows are inverted together. */
export const CHUNK = 256;

const workerScript = fileURLToPath(new URL('./exact-density-worker.mjs', import.meta.url));

export interface ExactLogDensity {
  logq: Float64Array;
  /** 1 where every step's Newton inversion converged and no step folded */
  ok: Uint8Array;
}

/** Cuts row-major [n, A] points into chunks of CHUNK rows (views, not copies). */
export function chunkRows(rows: Float32Array, A: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < rows.length; i += CHUNK * A) out.push(rows.subarray(i, Math.min(rows.length, i + CHUNK * A)));
  return out;
}

/**
 * logProbExact chunk by chunk (each row-major [m, A], m ≤ CHUNK), results concatenated, pausing
 * after each chunk (stepwise.ts): run at once (below) or interruptibly on the main thread
 * (postExactLogDensities), which lets Ctrl-C in between chunks.
 */
function* exactLogDensityChunks(cnf: CNF, chunks: Float32Array[], A: number): Generator<void, ExactLogDensity> {
  const n = chunks.reduce((s, c) => s + c.length / A, 0);
  const logq = new Float64Array(n);
  const ok = new Uint8Array(n);
  let i = 0;
  for (const c of chunks) {
    const m = c.length / A;
    const part = tf.tensor2d(c, [m, A]);
    const r = cnf.logProbExact(part);
    tf.dispose([part, r.x0]);
    logq.set(r.logq, i);
    ok.set(r.ok, i);
    i += m;
    yield;
  }
  return { logq, ok };
}

/** logProbExact chunk by chunk, in this thread (meanNLLExact, the workers). */
export function exactLogDensityHere(cnf: CNF, chunks: Float32Array[], A: number): ExactLogDensity {
  return runToEnd(exactLogDensityChunks(cnf, chunks, A));
}

/**
 * The exact log-density of `cnf` (CNF.logProbExact, whatever its mode) at every row of each tensor
 * in `sets`, each set cut into chunks as meanNLLExact cuts it (so the values are those of
 * meanNLLExact).
 * `workers` ≤ 1, or a single chunk in all: computed in this thread, chunk by chunk with a turn of
 * the event loop in between, as soon as the caller awaits. Otherwise the chunks are dealt to up to
 * `workers` threads (contiguous runs of about equal rows, one task each); this resolves once every
 * task is posted, so the caller may then block its thread with work of its own, and `results`
 * resolves when all are back (the pool is torn down then, or on failure).
 * `signal` (Ctrl-C): aborting it stops the work (the workers are terminated; in this thread, after
 * the current chunk) and `results` resolves to null, as stepwise.ts's runInterruptible does.
 */
export async function postExactLogDensities(cnf: CNF, sets: tf.Tensor2D[], workers: number, signal?: AbortSignal): Promise<{ results: Promise<ExactLogDensity[] | null> }> {
  const A = cnf.manifold.ambientDim;
  const chunks = sets.flatMap((s) => chunkRows(s.dataSync() as Float32Array, A));
  const rows = chunks.map((c) => c.length / A);
  const n = sets.reduce((s, t) => s + t.shape[0], 0);
  const threads = Math.min(workers, chunks.length);
  const split = (joined: ExactLogDensity): ExactLogDensity[] => {
    let o = 0;
    return sets.map((s) => {
      const m = s.shape[0];
      const r = { logq: joined.logq.slice(o, o + m), ok: joined.ok.slice(o, o + m) };
      o += m;
      return r;
    });
  };
  if (threads <= 1) {
    // the caller's synchronous work first (it runs until it awaits), then a chunk at a time
    const here = runInterruptible(exactLogDensityChunks(cnf, chunks, A), signal).then((r) => r && split(r));
    here.catch(() => {}); // awaited by the caller after its own work
    return { results: here };
  }
  const backend = activeBackend();
  if (!backend) throw new Error('postExactLogDensities: no tfjs backend is initialised');
  const pool = workerpool.pool(workerScript, { workerType: 'thread', maxWorkers: threads, minWorkers: threads });
  const tasks: Promise<ExactLogDensity>[] = [];
  try {
    // wait until every worker is up: a task posted to a starting worker is queued in this thread
    // until its 'ready' message is handled, which a caller busy with synchronous work would delay
    await Promise.all(Array.from({ length: threads }, () => pool.exec('ready', [])));
    // contiguous runs of chunks with about n / threads rows each: a chunk goes to the thread in
    // whose share its middle row lies (sets end in short chunks, so counting chunks would not do)
    const owner: number[] = [];
    let start = 0;
    for (const m of rows) {
      owner.push(Math.min(threads - 1, Math.floor(((start + m / 2) * threads) / n)));
      start += m;
    }
    const model = cnf.toJSON();
    for (let w = 0; w < threads; w++) {
      const mine = chunks.filter((_, j) => owner[j] === w).map((c) => c.slice());
      if (mine.length === 0) continue;
      const task: DensityTask = { model, manifold: cnf.manifold.name, backend, chunks: mine, A };
      const p = pool.exec('exactLogDensity', [task], { transfer: mine.map((c) => c.buffer) }) as Promise<ExactLogDensity>;
      p.catch(() => {}); // awaited below; must not go unhandled while the caller works
      tasks.push(p);
    }
  } catch (e) {
    await pool.terminate(true);
    throw e;
  }
  const abort = () => void pool.terminate(true);
  signal?.addEventListener('abort', abort, { once: true });
  if (signal?.aborted) abort(); // aborted while the workers were starting
  const results = (async () => {
    try {
      const parts = await Promise.all(tasks);
      if (signal?.aborted) return null;
      const joined = { logq: new Float64Array(n), ok: new Uint8Array(n) };
      parts.reduce((o, p) => (joined.logq.set(p.logq, o), joined.ok.set(p.ok, o), o + p.logq.length), 0);
      return split(joined);
    } catch (e) {
      if (signal?.aborted) return null; // the terminated workers' tasks reject
      throw e;
    } finally {
      signal?.removeEventListener('abort', abort);
      await pool.terminate(true);
    }
  })();
  results.catch(() => {}); // the caller awaits it after its own work
  return { results };
}
