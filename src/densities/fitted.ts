/**
 * The density a `gaugeflow fit --data --out` model file defines: its flow, and with the kernel
 * mixture (the default for a CNF) w q_flow + (1 − w) q_kernel, the kernel density and w stored under
 * `meta.mixture`. logDensity is the density the fit's test NLL measured (the CNF's exact
 * discrete-map density), so a user who loads the file can reproduce that figure.
 */
import seedrandom from 'seedrandom';
import { tf } from '../backend/index.ts';
import type { Flow } from '../flows/types.ts';
import { flowFromJSON, readModelFile } from '../flows/io.ts';
import { mixtureLogDensity } from './mixture.ts';
import { SphereKernelDensity } from './sphere-kernel.ts';

export interface FittedSphereDensity {
  flow: Flow;
  /** the kernel density beside the flow, when the model is a mixture */
  kernel?: SphereKernelDensity;
  /** the flow's weight (1 without a kernel) */
  weight: number;
  /** log q per row (unit vectors), float64, w.r.t. the area of the unit sphere */
  logDensity(rows: number[][]): Float64Array;
  /** n draws: binomially many from the flow, the rest from the kernel density */
  sample(n: number, rng: () => number): number[][];
}

/** The flow's own log-density (a CNF's exact one), in chunks. */
function flowLogDensity(flow: Flow, rows: number[][]): Float64Array {
  const out = new Float64Array(rows.length);
  // duck-typed: a CNF has logProbExact (the density its fit measured); other flows logProb
  const exact = (flow as { with?: (o: object) => Flow }).with?.({ mode: 'exact' }) as (Flow & { logProbExact?: (x: tf.Tensor2D) => { logq: Float64Array; x0: tf.Tensor } }) | undefined;
  for (let s = 0; s < rows.length; s += 256) {
    const x = tf.tensor2d(rows.slice(s, s + 256), [Math.min(256, rows.length - s), 3]);
    if (exact?.logProbExact) {
      const r = exact.logProbExact(x);
      r.x0.dispose();
      out.set(r.logq, s);
    } else out.set(tf.tidy(() => flow.logProb(x).dataSync()), s);
    x.dispose();
  }
  return out;
}

export function fittedSphereDensity(flow: Flow, mixture?: { weight: number; kernel: SphereKernelDensity }): FittedSphereDensity {
  const weight = mixture?.weight ?? 1;
  const kernel = mixture?.kernel;
  return {
    flow,
    kernel,
    weight,
    logDensity(rows) {
      if (!kernel) return flowLogDensity(flow, rows);
      const lf = weight > 0 ? flowLogDensity(flow, rows) : new Float64Array(rows.length).fill(-Infinity);
      return mixtureLogDensity(lf, kernel.logDensity(rows), weight);
    },
    sample(n, rng) {
      let nFlow = 0;
      for (let i = 0; i < n; i++) if (rng() < weight) nFlow++;
      const rows: number[][] = [];
      if (nFlow > 0) {
        // a CNF's points do not depend on its density mode; the divergence mode skips the Jacobians
        const f = (flow as { with?: (o: object) => Flow }).with?.({ mode: 'divergence' }) ?? flow;
        const s = f.sample(nFlow, seedrandom(String(rng())));
        rows.push(...(s.x.arraySync() as number[][]));
        tf.dispose([s.x, s.logq, s.ok]);
      }
      if (kernel && n > nFlow) rows.push(...kernel.sample(n - nFlow, rng));
      return rows;
    },
  };
}

/** Load a model file written by `fit --out` (with or without a kernel mixture). */
export async function loadFittedDensity(path: string): Promise<FittedSphereDensity> {
  const file = readModelFile(path);
  try {
    const flow = await flowFromJSON(file.flow);
    const mix = file.meta?.mixture as { weight?: unknown; kernel?: unknown } | undefined;
    if (mix === undefined) return fittedSphereDensity(flow);
    if (typeof mix.weight !== 'number' || !(mix.weight >= 0 && mix.weight <= 1)) throw new Error('meta.mixture.weight must be a number in [0, 1]');
    return fittedSphereDensity(flow, { weight: mix.weight, kernel: SphereKernelDensity.fromJSON(mix.kernel) });
  } catch (e) {
    throw new Error(`model file ${path}: ${(e as Error).message}`);
  }
}
