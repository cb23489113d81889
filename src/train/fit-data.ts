/**
 * A flow fitted to points on S² with an 80/10/10 split (`gaugeflow fit --data`, bench/earth.ts):
 * the objective of its family (CNF: geodesic flow matching, flow-matching.ts; IRCPM: maximum
 * likelihood), best-validation selection through validated-fit.ts, and the test NLL of the density
 * the model actually defines — for a CNF the exact density of its discrete map (exact-density.ts, on
 * worker threads while this thread fits the kernel density), not the continuous-time estimate
 * (reported beside it as `testNLLContinuous`).
 */
import seedrandom from 'seedrandom';
import { tf } from '../backend/index.ts';
import type { Manifold } from '../manifolds/types.ts';
import type { Flow } from '../flows/types.ts';
import { CNF } from '../flows/cnf/cnf.ts';
import { splitIndices } from '../data/earth.ts';
import { flowMatchingBatchLoss, logProbContinuousSteps, meanNLL as meanNLLContinuous } from './flow-matching.ts';
import { postExactLogDensities } from './exact-density.ts';
import { meanNegLog, mixtureLogDensity, selectWeight } from '../densities/mixture.ts';
import { fitSphereKernelSteps, type KernelChoice, type KernelFit as SphereKernelFit, type SphereKernelDensity } from '../densities/sphere-kernel.ts';
import { runInterruptible, yieldToEventLoop } from './stepwise.ts';
import { everySampleCounts, maxLikelihoodLoss, meanNLL } from './train.ts';
import { fitWithValidation, type ValidatedFitOptions, type ValidatedFitResult, type ValidatedFitSettings } from './validated-fit.ts';
import { VALIDATION_STEPS, type DataCNFModel } from './data-defaults.ts';

export interface DataSplit {
  train: tf.Tensor2D;
  val: tf.Tensor2D;
  test: tf.Tensor2D;
  sizes: { train: number; val: number; test: number };
  /** the same points as float64 rows (the kernel density and its evaluation) */
  rows: { train: number[][]; val: number[][]; test: number[][] };
}

/**
 * The seeded 80/10/10 split of n points (indices); an Error when it would leave the validation or the
 * test part empty (fewer than 8 points), which selection and the test NLL cannot do without. The
 * sizes depend on n alone, so `fit --data` calls this as soon as it has read the file, before any work.
 */
export function dataSplitIndices(n: number, splitSeed: number): { train: number[]; val: number[]; test: number[] } {
  const split = splitIndices(n, splitSeed);
  if (split.val.length === 0 || split.test.length === 0) {
    throw new Error(`${n} point${n === 1 ? ' is' : 's are'} too few for the 80/10/10 train/validation/test split (${split.train.length}/${split.val.length}/${split.test.length}): the validation and test parts need a point each, which takes at least 8 points`);
  }
  return split;
}

/** The seeded 80/10/10 split of unit vectors (rows) as tensors; the caller disposes them. */
export function splitData(points: number[][], splitSeed: number): DataSplit {
  const split = dataSplitIndices(points.length, splitSeed);
  const rows = { train: split.train.map((i) => points[i]!), val: split.val.map((i) => points[i]!), test: split.test.map((i) => points[i]!) };
  const take = (r: number[][]) => tf.tensor2d(r, [r.length, 3]);
  return { train: take(rows.train), val: take(rows.val), test: take(rows.test), sizes: { train: split.train.length, val: split.val.length, test: split.test.length }, rows };
}

export function disposeSplit(d: DataSplit): void {
  tf.dispose([d.train, d.val, d.test]);
}

/**
 * The data CNF: Φ on random Fourier features of x, its output layer set to zero so that training
 * starts from the identity map, i.e. the uniform density (a random output layer on features of
 * scale 20 starts at an NLL of ≈ 17 nats instead of log 4π ≈ 2.53).
 */
export function dataCNF(manifold: Manifold, rng: () => number, model: DataCNFModel): CNF {
  const flow = new CNF(manifold, rng, { hidden: model.hidden, steps: model.steps, timeHarmonics: model.timeHarmonics, randomFeatures: model.randomFeatures, mode: 'exact' });
  const out = flow.variables[flow.variables.length - 1]!;
  out.assign(tf.zerosLike(out));
  return flow;
}

export interface DataFitOutcome {
  fit: ValidatedFitResult;
  /** test NLL of the density the model defines (CNF: exact density of its discrete map) */
  testNLL?: number;
  /** CNF: share of test points whose Newton inversions converged */
  testOkFraction?: number;
  /** CNF: continuous-time test NLL (backward divergence integration, 32 steps), for reference */
  testNLLContinuous?: number;
  /** validation NLL of the selected weights (on the selection points; CNF: continuous-time) */
  valNLL?: number;
  evalSeconds?: number;
  /** CNF with `mixture`: w q_CNF + (1 − w) q_kernel, the kernel density and w chosen on the validation split */
  mixture?: KernelMixture;
  /** Ctrl-C (the signal) after training: the evaluation and the kernel mixture were skipped (the selected weights are in flow.variables) */
  evaluation?: 'interrupted';
}

/** The CNF's mixture with the kernel density of the training points (src/densities/sphere-kernel.ts). */
export interface KernelMixture {
  /** the fitted kernel density (not serialised in results: see fit --out) */
  kernel: SphereKernelDensity;
  /** the kernel's (k, h, λ, ε), chosen on validation */
  choice: KernelChoice;
  /** weight of the CNF */
  weight: number;
  /** validation NLL of the mixture (the CNF's exact density) on the selection points (the first ≤ 500) */
  valNLL: number;
  /** test NLL of the mixture: the density a model saved by fit --out defines */
  testNLL: number;
  /** test NLL of the kernel density alone */
  kernelTestNLL: number;
  /** seconds: kernel selection and the weight (the CNF's exact densities are computed beside them) */
  seconds: number;
  /** seconds of the kernel selection alone (the kernel density's own fitting time) */
  kernelSeconds: number;
}

/**
 * Train `flow` on split.train with selection on (at most valCap points of) split.val, then measure
 * the test NLL unless interrupted. The selected weights are left in flow.variables. `workers`: threads
 * for a CNF's exact density (exact-density.ts; 0, the default, or 1: in this thread, same figures).
 * `onTrained` runs once training has ended (not when Ctrl-C stopped it), before the evaluation: the
 * CLI saves the weights there, so that nothing trained is lost to a Ctrl-C (the evaluation and the
 * kernel fit take up to a minute) or even to a second one, which quits at once.
 *
 * Ctrl-C during the evaluation (`signal`) returns `evaluation: 'interrupted'` without test figures
 * or mixture. It is noticed between its pieces: a chunk of exact densities in this thread, the
 * continuous-time reference, a candidate of the kernel selection (the longest piece: ≈ 3 s on fire,
 * the neighbour search); worker threads are stopped at once.
 */
export async function fitToData(
  flow: Flow,
  split: DataSplit,
  settings: ValidatedFitSettings,
  valCap: number,
  opts: ValidatedFitOptions & { mixture?: boolean; minWidth?: number; workers?: number; onTrained?: (fit: ValidatedFitResult) => void },
): Promise<DataFitOutcome> {
  const isCNF = flow instanceof CNF;
  const nVal = Math.min(valCap, split.sizes.val);
  const valSel = tf.slice(split.val, [0, 0], [nVal, -1]) as tf.Tensor2D;
  try {
    let fit: ValidatedFitResult;
    if (isCNF) {
      const cnf = flow as CNF;
      // validation: the continuous-time density at a few RK4 steps, a cheap stand-in for the exact
      // density of the map (both converge to the continuous-time density as h → 0)
      fit = await fitWithValidation(cnf, everySampleCounts(flowMatchingBatchLoss(cnf, split.train)), () => meanNLLContinuous(cnf, valSel, Math.min(cnf.steps, VALIDATION_STEPS)), settings, { label: 'flow matching', ...opts });
    } else {
      fit = await fitWithValidation(flow, maxLikelihoodLoss(flow, split.train), () => meanNLL(flow, valSel), settings, { label: 'max likelihood', ...opts });
    }
    if (fit.stopped === 'interrupted') return { fit };
    opts.onTrained?.(fit);
    // Ctrl-C is seen at a turn of the event loop, between the synchronous parts below
    const skipped: DataFitOutcome = { fit, evaluation: 'interrupted' };
    await yieldToEventLoop();
    if (opts.signal?.aborted) return skipped;
    const te = performance.now();
    if (isCNF) {
      const cnf = (flow as CNF).with({ mode: 'exact' });
      // the exact densities (test points; the mixture's selection points) go to worker threads
      // first, and this thread meanwhile computes the continuous-time reference and the kernel
      const say = opts.progress && !opts.json && process.stderr.isTTY ? (m: string) => process.stderr.write(m) : () => {};
      const sets = opts.mixture ? [split.test, valSel] : [split.test];
      const where = (opts.workers ?? 0) > 1 ? `on ${opts.workers} worker threads` : 'in this thread';
      const points = opts.mixture ? `${split.sizes.test} test and ${nVal} selection points` : `${split.sizes.test} test points`;
      say(`evaluation: the CNF's exact density at ${points} ${where}, its continuous-time density at the test points…\n`);
      const job = await postExactLogDensities(cnf, sets, opts.workers ?? 0, opts.signal);
      const testLogqContinuous = await runInterruptible(logProbContinuousSteps(cnf, split.test, 32), opts.signal);
      if (!testLogqContinuous) return skipped; // an abort has stopped the workers too
      const testNLLContinuous = meanNegLog(testLogqContinuous);
      let kernel: KernelFit | null | undefined;
      if (opts.mixture) {
        // the kernel grid with its second scale takes 15–26 s on fire (10 247 training points, 1281
        // validation points): say so on a terminal
        say(`kernel density: choosing (k, h, λ) and a second scale on ${split.sizes.val} validation points… `);
        kernel = await fitKernel(split, opts.minWidth, opts.signal);
        if (!kernel) return skipped; // an abort has stopped the workers too
      }
      const densities = await job.results;
      if (!densities) return skipped;
      const [test, sel] = densities;
      const out: DataFitOutcome = { fit, testNLL: meanNegLog(test!.logq), testOkFraction: test!.ok.reduce((k, v) => k + v, 0) / test!.ok.length, testNLLContinuous, valNLL: fit.bestValNLL };
      if (kernel) {
        out.mixture = kernelMixture(kernel, split, sel!.logq, test!.logq);
        const c = out.mixture.choice;
        const wide = c.wide ? ` + ${c.wide.weight} × (h ${c.wide.scale}, λ ${c.wide.width} rad)` : '';
        say(`k ${c.neighbours}, h ${c.scale}, λ ${c.width} rad${wide}, CNF weight ${out.mixture.weight} (${out.mixture.kernelSeconds.toFixed(0)} s)\n`);
      }
      out.evalSeconds = (performance.now() - te) / 1000;
      return out;
    }
    return { fit, testNLL: meanNLL(flow, split.test), valNLL: fit.bestValNLL, evalSeconds: (performance.now() - te) / 1000 };
  } finally {
    valSel.dispose();
  }
}

interface KernelFit {
  fit: SphereKernelFit;
  seconds: number;
}

/**
 * The kernel density of the training points, its (k, h, λ, ε) by its own validation NLL on the whole
 * validation split; null if `signal` aborted it (it pauses between candidates for Ctrl-C).
 */
async function fitKernel(split: DataSplit, minWidth?: number, signal?: AbortSignal): Promise<KernelFit | null> {
  const t0 = performance.now();
  const fit = await runInterruptible(fitSphereKernelSteps(split.rows.train, split.rows.val, { minWidth }), signal);
  return fit && { fit, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The CNF mixed with the fitted kernel density: the CNF's weight by the validation NLL of the
 * mixture on the points that selected the CNF's weights (`valSel`, the first ≤ 500: one number needs
 * no more, and the CNF's exact density costs ≈ 23–28 ms a point), both with the densities the model
 * defines (the CNF's exact discrete-map density `selLogq`, as on the test points `testLogq`).
 */
function kernelMixture(k: KernelFit, split: DataSplit, selLogq: Float64Array, testLogq: Float64Array): KernelMixture {
  const t0 = performance.now();
  const { val, test } = split.rows;
  const sel = selectWeight(selLogq, k.fit.model.logDensity(val.slice(0, selLogq.length)));
  const testKernel = k.fit.model.logDensity(test);
  return {
    kernel: k.fit.model,
    choice: k.fit.choice,
    weight: sel.weight,
    valNLL: sel.valNLL,
    testNLL: meanNegLog(mixtureLogDensity(testLogq, testKernel, sel.weight)),
    kernelTestNLL: meanNegLog(testKernel),
    seconds: k.seconds + (performance.now() - t0) / 1000,
    kernelSeconds: k.seconds,
  };
}

/** Draw n points from a fitted flow (for plots), in float64 JS rows. */
export function sampleRows(flow: Flow, n: number, seed: string): number[][] {
  // a CNF's points do not depend on its density mode; the divergence mode skips the Jacobians
  const f = flow instanceof CNF ? flow.with({ mode: 'divergence' }) : flow;
  const s = f.sample(n, seedrandom(seed));
  const rows = s.x.arraySync() as number[][];
  tf.dispose([s.x, s.logq, s.ok]);
  return rows;
}

/**
 * ∫ q dA over S² by Monte Carlo against the uniform measure: 4π · mean of q at n uniform points,
 * with its standard error (1 for a normalised density). For models with a cheap explicit density
 * (IRCPM: its change of variables holds only while the map is a diffeomorphism, which maximum
 * likelihood does not enforce); for a CNF use its exact density (test/train/fit-data-normalisation).
 */
export function normalisation(flow: Flow, n: number, seed: string): { z: number; se: number } {
  const x = flow.manifold.sampleUniform(n, seedrandom(seed));
  const lq = tf.tidy(() => flow.logProb(x).dataSync());
  x.dispose();
  const vol = Math.exp(flow.manifold.logVolume);
  let s = 0;
  let s2 = 0;
  for (const v of lq) {
    const q = vol * Math.exp(v);
    s += q;
    s2 += q * q;
  }
  const m = s / n;
  return { z: m, se: Math.sqrt(Math.max(0, s2 / n - m * m) / (n - 1)) };
}
