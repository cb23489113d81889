/**
 * The one training recipe of single-matrix flows (src/flows/sun/single-matrix.ts), used by
 * `gaugeflow train --target single` and bench/sun-single.ts: IRCPM kernels on the maximal torus
 * whose potentials are MLPs of the power sums, trained by reverse KL on the torus twin against
 * `torusEnergy` (path-gradient estimator) plus the convexity penalty that keeps every layer a global
 * diffeomorphism (src/flows/ircpm/convexity.ts). With the defaults below (3 layers, batch 256,
 * 600 steps) the bench reached ESS ≥ 0.998 on all six β = 9 targets (bench/models/sun-single-*.json).
 *
 * `singleMatrixLogWeights` measures the flow where it is used, on matrices: log p̃(U) − log q(U)
 * (w.r.t. Haar) in float64, −∞ for draws whose layers were not all ok.
 */
import { tf } from '../../backend/index.ts';
import { makeRng } from '../../../lattices/random.ts';
import { reverseKLLoss, trainWithLossAsync, type TrainResult } from '../../train/train.ts';
import { runInterruptible, runToEnd } from '../../train/stepwise.ts';
import { withConvexityPenalty } from '../ircpm/convexity.ts';
import { makeSpectralFlow, matrixLogWeight, torusEnergy, type SingleMatrixTarget, type SpectralFlow } from './single-matrix.ts';

export interface SingleMatrixRecipe {
  /** IRCPM kernels */
  layers: number;
  /** hidden widths of each potential MLP */
  hidden: number[];
  /** power sums tr Wᵏ, k = 1…K, fed to the potentials */
  powers: number;
  steps: number;
  batch: number;
  lr: number;
  /** final learning rate as a fraction of lr (cosine decay) */
  lrFinal?: number;
  estimator: 'total' | 'path';
  /** weight of the convexity penalty (0: off) */
  convexity: number;
}

export const SINGLE_MATRIX_RECIPE: SingleMatrixRecipe = { layers: 3, hidden: [32, 32], powers: 3, steps: 600, batch: 256, lr: 3e-3, estimator: 'path', convexity: 10 };

export interface SingleMatrixTrainOptions {
  seed: number | string;
  /** names the random streams (init, train) with the seed, e.g. the bench's target name */
  key: string;
  signal?: AbortSignal;
  progress?: boolean;
  onStep?: (step: number, loss: number, okFraction: number) => void;
}

/** Build and train a single-matrix flow for `target`; stops after the current step once `signal` is aborted. */
export async function trainSingleMatrixFlow(
  target: SingleMatrixTarget,
  recipe: SingleMatrixRecipe,
  opts: SingleMatrixTrainOptions,
): Promise<{ flow: SpectralFlow; train: TrainResult }> {
  const flow = makeSpectralFlow(target.N, makeRng(opts.seed, opts.key, 'init'), { layers: recipe.layers, hidden: recipe.hidden, powers: recipe.powers });
  const twin = flow.torusFlow();
  const loss = withConvexityPenalty(reverseKLLoss(twin, torusEnergy(target), recipe.estimator), flow.ircpm!.layers, { weight: recipe.convexity });
  const train = await trainWithLossAsync(
    twin,
    {
      steps: recipe.steps,
      batch: recipe.batch,
      lr: recipe.lr,
      ...(recipe.lrFinal !== undefined ? { lrFinal: recipe.lrFinal } : {}),
      rng: makeRng(opts.seed, opts.key, 'train'),
      progress: opts.progress,
      signal: opts.signal,
      onStep: (step, l, info) => opts.onStep?.(step, l, info.okFraction),
    },
    'reverse KL',
    loss,
  );
  return { flow, train };
}

/** log p̃(U) − log q(U) of n fresh matrices in float64 (−∞ where the flow failed), drawn in chunks. */
export function singleMatrixLogWeights(flow: SpectralFlow, target: SingleMatrixTarget, n: number, rng: () => number, chunk = 2000): SingleMatrixLogWeights {
  return runToEnd(logWeightChunks(flow, target, n, rng, chunk));
}

/** singleMatrixLogWeights with a turn of the event loop between chunks, so that Ctrl-C (`signal`) is seen: null once it has aborted. */
export function singleMatrixLogWeightsInterruptible(flow: SpectralFlow, target: SingleMatrixTarget, n: number, rng: () => number, signal: AbortSignal, chunk = 2000): Promise<SingleMatrixLogWeights | null> {
  return runInterruptible(logWeightChunks(flow, target, n, rng, chunk), signal);
}

export interface SingleMatrixLogWeights {
  logw: Float64Array;
  failed: number;
}

/** The one loop, pausing after each chunk (src/train/stepwise.ts). */
function* logWeightChunks(flow: SpectralFlow, target: SingleMatrixTarget, n: number, rng: () => number, chunk: number): Generator<void, SingleMatrixLogWeights> {
  const logw = new Float64Array(n);
  let failed = 0;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const m = Math.min(chunk, n - i0);
    // log p̃ and log q leave tfjs separately so that their difference is taken in float64
    const [w, q, ok] = tf.tidy(() => {
      const s = flow.sample(m, rng);
      return [matrixLogWeight(target, s.U).dataSync(), s.logq.dataSync(), s.ok.dataSync()];
    });
    for (let i = 0; i < m; i++) {
      const v = w[i]! - q[i]!;
      if (ok[i] && Number.isFinite(v)) logw[i0 + i] = v;
      else {
        logw[i0 + i] = -Infinity;
        failed++;
      }
    }
    yield;
  }
  return { logw, failed };
}
