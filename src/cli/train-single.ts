/**
 * `gaugeflow train --target single`: a single-matrix flow for p(U) ∝ exp((β/N) Re tr Σ_k c_k Uᵏ) on
 * SU(N), by the one recipe of src/flows/sun/single-train.ts (the one bench/sun-single.ts measures),
 * then measured on fresh matrices: ESS, independence-Metropolis acceptance, and the importance
 * estimate of ln(Z/Z_Haar) with its standard error beside the exact value
 * (lattices/exact/single-matrix.ts, `gaugeflow exact --target single`).
 *
 *   gaugeflow train --target single --group su2|su3|suN [--N n] --beta 9 --coeffs c1,c2,c3 --out m.json
 *                   [--layers 3] [--hidden 32,32] [--steps 600] [--batch 256] [--lr 3e-3] [--lr-final f]
 *                   [--estimator path|total] [--seed 1] [--eval-samples 20000] [--force] [--json]
 *
 * Lattice flags (--dims, --L, the U(1) kernel flags, --workers, --microbatches, --minutes, --init,
 * --checkpoint-every, --run-dir, --max-memory) are usage errors: one matrix needs no lattice, trains
 * on this thread in seconds to minutes, and holds a few MiB (no memory preflight). Files: --out and
 * <out>.checkpoint.json are checked before any work starts and never overwritten without --force;
 * Ctrl-C stops after the current step, saves the weights reached to the checkpoint file (never to
 * --out), says where and exits 130; during the evaluation (20 000 draws, seconds), which starts once
 * the model is saved to --out, it skips the evaluation and keeps the model (exit 130). SIGTERM does
 * the same with exit code 143.
 */
import { rmSync } from 'node:fs';
import { appliesOnly, givenFlags, UsageError } from './args.ts';
import { onInterrupt } from './interrupt.ts';
import { checkOutputPath, writeFileAtomic } from './output-file.ts';
import { initBackend } from '../backend/index.ts';
import { makeRng } from '../../lattices/random.ts';
import { singleMatrixSUN } from '../../lattices/exact/single-matrix.ts';
import { countParams } from '../flows/potentials.ts';
import { SINGLE_MATRIX_RECIPE, singleMatrixLogWeightsInterruptible, trainSingleMatrixFlow, type SingleMatrixRecipe } from '../flows/sun/single-train.ts';
import { singleMatrixModelPayload } from '../flows/sun/single-model-file.ts';
import type { SingleMatrixTarget, SpectralFlow } from '../flows/sun/single-matrix.ts';
import type { TrainingHistory } from '../flows/gauge/model-file.ts';
import { logWeightSummary } from '../flows/gauge/evaluate.ts';
import { formatReport } from './train.ts';

/** The flags of `gaugeflow train` this mode reads (src/cli/train.ts parses them). */
export interface SingleFlags {
  group?: string;
  N?: number;
  beta?: number;
  coeffs?: number[];
  layers?: number;
  hidden?: number[];
  steps?: number;
  batch?: number;
  lr?: number;
  'lr-final'?: number;
  estimator?: string;
  seed?: number;
  'eval-samples'?: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

const LATTICE_ONLY = ['dims', 'L', 'kernel', 'modes', 'mixtures', 'bins', 'minutes', 'microbatches', 'workers', 'checkpoint-every', 'init', 'run-dir', 'max-memory'];

/** ln(Z/Z_Haar), or null where no exact method applies (several coefficients at N > 4). */
function exactLogZ(t: SingleMatrixTarget): number | null {
  try {
    return singleMatrixSUN(t.N, t.beta, t.coeffs).logZ;
  } catch {
    return null;
  }
}

export async function runSingle(flags: SingleFlags): Promise<number> {
  appliesOnly(flags, LATTICE_ONLY, false, '--target lattice (a single-matrix flow has no lattice)');
  if (!flags.out) throw new UsageError('--out <model.json> is required');
  if (flags.group === undefined || flags.group === 'u1') throw new UsageError('--target single needs --group su2, su3 or suN (with --N)');
  appliesOnly(flags, ['N'], flags.group === 'suN', '--group suN');
  if (flags.group === 'suN' && flags.N === undefined) throw new UsageError('--group suN needs --N <n>');
  const N = flags.group === 'su2' ? 2 : flags.group === 'su3' ? 3 : flags.N!;
  const coeffs = flags.coeffs ?? [1];
  if (coeffs.length === 0 || !coeffs.some((c) => c !== 0)) throw new UsageError('--coeffs needs at least one nonzero coefficient, e.g. --coeffs 1 or 0.17,-0.65,1.22');
  const target: SingleMatrixTarget = { N, beta: flags.beta!, coeffs };
  // flags left at train's lattice defaults take the recipe's values instead
  const typed = givenFlags(flags);
  const pick = <K extends keyof SingleMatrixRecipe>(flag: keyof SingleFlags, key: K): SingleMatrixRecipe[K] =>
    (typed.has(flag) ? flags[flag] : SINGLE_MATRIX_RECIPE[key]) as SingleMatrixRecipe[K];
  const recipe: SingleMatrixRecipe = {
    ...SINGLE_MATRIX_RECIPE,
    layers: pick('layers', 'layers'),
    hidden: pick('hidden', 'hidden'),
    steps: pick('steps', 'steps'),
    batch: pick('batch', 'batch'),
    lr: pick('lr', 'lr'),
    estimator: pick('estimator', 'estimator'),
    ...(flags['lr-final'] !== undefined ? { lrFinal: flags['lr-final'] } : {}),
  };
  const out = flags.out;
  const checkpointPath = `${out}.checkpoint.json`;
  checkOutputPath(out, { force: flags.force, flag: '--out' });
  checkOutputPath(checkpointPath, { force: flags.force, flag: 'checkpoint file' });

  const backend = await initBackend();
  const seed = flags.seed!;
  const curve: [number, number, number][] = [];
  const save = (path: string, flow: SpectralFlow, r: { steps: number; seconds: number }, extra: Record<string, unknown>) => {
    const history: TrainingHistory = { steps: r.steps, seconds: r.seconds, curve, estimator: recipe.estimator, batch: recipe.batch, seed, convexity: recipe.convexity, ...extra };
    writeFileAtomic(path, JSON.stringify(singleMatrixModelPayload(flow, target, history)), path === checkpointPath ? 'checkpoint file' : 'model file');
  };

  const interrupt = onInterrupt('train', `stopping after the current step; the weights go to ${checkpointPath}`, { sigterm: true });
  try {
    const trained = await trainSingleMatrixFlow(target, recipe, {
      seed,
      key: `single-su${N}`,
      signal: interrupt.signal,
      progress: !flags.json,
      onStep: (step, loss) => {
        if (step % 10 === 0 || step < 10) curve.push([step, loss, NaN]);
      },
    });
    const { flow, train } = trained;
    const steps = train.losses.length;
    const report: Record<string, unknown> = {
      command: 'train',
      target: 'single',
      group: flags.group,
      N,
      beta: target.beta,
      coeffs,
      kernel: 'ircpm',
      layers: recipe.layers,
      hidden: recipe.hidden,
      params: countParams(flow.variables),
      steps,
      trainSeconds: train.seconds,
      secondsPerStep: steps > 0 ? train.seconds / steps : null,
      estimator: recipe.estimator,
      convexity: recipe.convexity,
      batch: recipe.batch,
      lr: recipe.lr,
      seed,
      backend,
    };
    if (train.interrupted) {
      save(checkpointPath, flow, { steps, seconds: train.seconds }, { interrupted: true });
      console.error(`gaugeflow train: interrupted after ${steps} steps; weights saved to ${checkpointPath} (not to ${out})`);
      Object.assign(report, { interrupted: true, checkpoint: checkpointPath });
      console.log(flags.json ? JSON.stringify(report) : formatReport(report));
      return interrupt.exitCode;
    }
    save(out, flow, { steps, seconds: train.seconds }, {});
    rmSync(checkpointPath, { force: true });
    report.model = out;

    // measured where the flow is used: on matrices from Haar through the spectral layers; the model is
    // already saved, so Ctrl-C here skips the evaluation and keeps it
    const n = flags['eval-samples']!;
    interrupt.describe(`skipping the evaluation; the model is saved in ${out}`);
    const weights = await singleMatrixLogWeightsInterruptible(flow, target, n, makeRng(seed, 'evaluate'), interrupt.signal);
    if (weights === null) {
      console.error(`gaugeflow train: interrupted during the evaluation; the model is saved in ${out}`);
      Object.assign(report, { interrupted: true, evaluation: 'interrupted' });
      console.log(flags.json ? JSON.stringify(report) : formatReport(report));
      return interrupt.exitCode;
    }
    const { logw, failed } = weights;
    const s = logWeightSummary(logw, seed);
    const exact = exactLogZ(target);
    Object.assign(report, {
      ess: s.ess,
      acceptance: s.acceptance,
      kl: s.meanLoss + (exact ?? s.logZ),
      klLogZ: exact === null ? 'importance' : 'exact',
      logZ: s.logZ,
      logZErr: s.logZErr,
      logZExact: exact,
      failedDraws: failed,
      evalSamples: n,
    });
    console.log(flags.json ? JSON.stringify(report) : formatReport(report));
    return 0;
  } finally {
    interrupt.close();
  }
}
