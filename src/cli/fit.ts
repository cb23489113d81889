/**
 * `gaugeflow fit`: train a flow on a manifold, either by reverse KL to a named target or by maximum
 * likelihood on an Earth data set (lat,lon CSV on S²), and report ESS / KL or test NLL as JSON.
 *
 *   gaugeflow fit --manifold torus2|sphere2 --target <name> --flow ircpm|cnf [--stack 3] [--steps N]
 *                 [--estimator total|path] [--seed S] [--out model.json] [--json]
 *   gaugeflow fit --data <csv> [--flow cnf|ircpm] [--split-seed S] [--minutes M] [--mixture kernel|none] [--json]
 *
 * With --data the defaults are the tuned recipe of src/train/data-defaults.ts (model, steps, schedule,
 * validation every 200 steps with best-validation selection and early stopping, a wall-clock budget
 * of --minutes); any training flag typed overrides its default, and the JSON's `settings` says what
 * was used. A CNF is then mixed with the anisotropic kernel density of the training points
 * (src/densities/sphere-kernel.ts; kernel and weight chosen on the validation split; --mixture none
 * for the CNF alone). The test NLL is that of the density the saved model defines: the mixture, with
 * the CNF's exact discrete-map density (`flowTestNLL`: the CNF alone); src/densities/fitted.ts loads
 * the file.
 *
 * Files: --out (and its checkpoint file, <out>.checkpoint.json) are checked before any work starts;
 * neither is overwritten without --force, and the --data input is never written over. Ctrl-C stops
 * after the current step, saves the weights reached to the checkpoint file (never to --out), says
 * where, prints the partial result and exits 130. Nothing trained waits on the evaluation that
 * follows training (up to a minute: a CNF's exact densities, the kernel fit), which Ctrl-C skips
 * (exit 130) and which even a second Ctrl-C, quitting at once, cannot lose: with --target the model
 * is finished and goes to --out before it; with --data (whose model file holds the kernel mixture,
 * fitted during the evaluation) the selected weights go to the checkpoint file, and --out is
 * written only for a finished model. SIGTERM (a batch scheduler, `kill`) is treated as Ctrl-C,
 * with exit code 143.
 */
import { rmSync } from 'node:fs';
import seedrandom from 'seedrandom';
import { appliesOnly, givenFlags, parseFlags, flagHelp, UsageError, type FlagSpecs } from './args.ts';
import { checkOutputPath } from './output-file.ts';
import { onInterrupt } from './interrupt.ts';
import { checkMemory, maxMemoryFlag } from './preflight.ts';
import { initBackend, tf } from '../backend/index.ts';
import { manifoldByName } from '../manifolds/index.ts';
import type { Manifold } from '../manifolds/types.ts';
import type { Flow } from '../flows/types.ts';
import { makeIRCPM, IRCPMFlow } from '../flows/ircpm/stack.ts';
import { boundDiagnostics } from '../flows/ircpm/diagnostics.ts';
import { countParams } from '../flows/potentials.ts';
import { saveFlow } from '../flows/io.ts';
import { targetByName, targets } from '../targets/index.ts';
import { reverseKLLoss, trainWithLossAsync } from '../train/train.ts';
import { evaluateInterruptible } from '../train/evaluate.ts';
import { loadLatLonCSV, latLonToSphere } from '../data/earth.ts';
import { dataFitDefaults, DATA_CNF_MODEL } from '../train/data-defaults.ts';
import { dataCNF, dataSplitIndices, disposeSplit, fitToData, splitData } from '../train/fit-data.ts';
import type { ValidatedFitResult, ValidatedFitSettings } from '../train/validated-fit.ts';

const specs = {
  manifold: { type: 'string', choices: ['torus2', 'sphere2'], help: 'manifold (implied by --target when omitted)' },
  target: { type: 'string', choices: Object.keys(targets), help: 'named target density (reverse KL)' },
  data: { type: 'string', help: 'CSV of latitude, longitude in degrees on S², ≥ 8 rows; a header naming lat and lon columns picks them, else the first two (IRCPM: maximum likelihood; CNF: flow matching)' },
  flow: { type: 'string', choices: ['ircpm', 'cnf'], help: 'flow family [cnf with --data, ircpm with --target]' },
  stack: { type: 'int', min: 1, help: 'IRCPM: number of stacked layers [1 on tori, 3 on spheres]' },
  separate: { type: 'boolean', help: 'IRCPM: separate parameters per stacked layer (default: shared)' },
  hidden: { type: 'ints', min: 1, help: 'hidden layer widths, e.g. 128,128 [ircpm: 64,64 on tori, 128,128 on spheres; cnf: 48,48, with --data 128,128]' },
  potential: { type: 'string', choices: ['mlp', 'fourier'], default: 'mlp', help: 'IRCPM potential (fourier: tori only, Hessian bound by construction)' },
  symmetric: { type: 'boolean', help: "use the target's symmetry-invariant features (rezende-correlated)" },
  estimator: { type: 'string', choices: ['total', 'path'], default: 'total', help: 'reverse-KL gradient estimator (path: no score term, lower variance near the optimum; IRCPM only)' },
  steps: { type: 'int', min: 0, help: 'training steps [1000; with --data chosen from the data size, see src/train/data-defaults.ts]' },
  batch: { type: 'int', min: 1, default: 256 },
  lr: { type: 'number', gt: 0, default: 3e-3, help: 'Adam learning rate (> 0)' },
  minutes: { type: 'number', gt: 0, help: 'wall-clock budget of training with --data, validation included [2]' },
  patience: { type: 'int', min: 1, help: 'with --data: stop after this many validations (every 200 steps) without a better validation NLL [10]' },
  ema: { type: 'number', min: 0, max: 0.9999, help: 'with --data: select among exponential moving averages of the weights with this decay [0: none]' },
  mixture: { type: 'string', choices: ['kernel', 'none'], help: 'with --data and --flow cnf: the model is the CNF mixed with an anisotropic kernel density of the training points (kernel, default) or the CNF alone (none)' },
  'min-width': { type: 'number', gt: 0, max: 0.1, help: 'with --mixture kernel: smallest kernel width in radians [0.001 ≈ 6 km]' },
  seed: { type: 'int', default: 1 },
  workers: { type: 'int', min: 0, default: 2, help: "with --data and --flow cnf: worker threads for the CNF's exact density on the test and selection points while this thread fits the kernel (0 or 1: in this thread; same figures either way)" },
  'split-seed': { type: 'int', default: 0, help: 'seed of the 80/10/10 train/val/test split (--data)' },
  'eval-samples': { type: 'int', min: 100, default: 20000 },
  'diag-points': { type: 'int', min: 100, default: 20000, help: 'uniform points for the IRCPM bound diagnostics' },
  out: { type: 'string', help: 'save the trained model (JSON) here; Ctrl-C saves <out>.checkpoint.json instead' },
  force: { type: 'boolean', help: 'overwrite --out and its checkpoint file if they exist' },
  'max-memory': maxMemoryFlag,
  json: { type: 'boolean', help: 'print one JSON object (no progress bar)' },
  help: { type: 'boolean' },
} satisfies FlagSpecs;

type Flags = ReturnType<typeof parseFlags<typeof specs>> & { flow: 'ircpm' | 'cnf' };

/** The one place where a flow is constructed from the command line. */
async function buildFlow(flags: Flags, manifold: Manifold, rng: () => number, symmetry?: number[][]): Promise<Flow> {
  const onSphere = manifold.kind === 'sphere';
  switch (flags.flow) {
    case 'ircpm':
      return makeIRCPM(manifold, rng, {
        layers: flags.stack ?? (onSphere ? 3 : 1),
        shared: !flags.separate,
        hidden: flags.hidden ?? (onSphere ? [128, 128] : [64, 64]),
        potential: flags.potential as 'mlp' | 'fourier',
        frequencies: flags.potential === 'fourier' ? 3 : 1,
        invariantFrequencies: flags.symmetric ? symmetry : undefined,
      });
    case 'cnf': {
      if (flags.data) return dataCNF(manifold, rng, { ...DATA_CNF_MODEL, hidden: flags.hidden ?? DATA_CNF_MODEL.hidden });
      // Continuous normalizing flow (helper F2): 8 RK4 steps, time harmonics in Φ. Targets train in
      // 'hybrid' mode (divergence gradients, exact discrete-map log q values, so the ESS/KL printed
      // are those of the proposal actually applied); data use the continuous-time density
      // (backward integration with the divergence), as the manifold-CNF literature reports NLL.
      const { CNF } = await import('../flows/cnf/cnf.ts');
      return new CNF(manifold, rng, {
        hidden: flags.hidden ?? [48, 48],
        steps: 8,
        timeHarmonics: 1,
        invariantDirections: flags.symmetric ? symmetry : undefined,
        mode: flags.data ? 'divergence' : 'hybrid',
      });
    }
    default:
      throw new UsageError(`unknown flow '${flags.flow}'`);
  }
}

/** Peak memory one exact-density worker thread adds (see fitMemory). */
const WORKER_BYTES = 256 * 2 ** 20;

/**
 * Rough peak bytes of training: ≈ 1 KiB per hidden unit per network evaluation per sample (measured:
 * ≈ 0.7 KiB for the sphere IRCPM stack and the CNF, tape included), evaluations = stacked layers
 * (IRCPM) or 4 RK4 stages × 8 steps (CNF); evaluation runs in batches of 2000 without a tape.
 */
function fitMemory(flags: Flags, onSphere: boolean, nPoints?: number): { total: number; detail: string } {
  const hidden = flags.hidden ?? (flags.flow === 'cnf' ? (flags.data ? DATA_CNF_MODEL.hidden : [48, 48]) : onSphere ? [128, 128] : [64, 64]);
  // flow matching (CNF --data) evaluates Φ once per sample, with first derivatives (4 as a margin)
  const evals = flags.flow === 'cnf' ? (flags.data ? 4 : 32) : (flags.stack ?? (onSphere ? 3 : 1));
  const perSample = 1024 * hidden.reduce((a, b) => a + b, 0) * evals;
  const samples = Math.max(flags.batch!, 700);
  const parts = [{ bytes: samples * perSample, what: `≈ ${Math.round(perSample / 1024)} KiB per sample × batch ${flags.batch}` }];
  if (nPoints) {
    // the kernel mixture's selection holds, per validation point, the training kernels within 0.8 rad
    // (28 bytes each, sphere-kernel.ts's neighbourhoods; at most all of them): 10% × 80% of the points squared
    const kernel = 28 * (0.1 * nPoints) * (0.8 * nPoints);
    parts.push({ bytes: kernel, what: `≤ ${(kernel / 2 ** 20).toFixed(0)} MiB for the kernel selection on ${nPoints} points (--mixture none skips it)` });
  }
  // each worker thread of the CNF's exact density holds its own tfjs (wasm) instance and CNF:
  // measured, fire's default run peaks at 975 MB with 2 workers against 475 MB in one thread
  const threads = flags.data && flags.flow === 'cnf' && flags.workers! > 1 ? flags.workers! : 0;
  if (threads) parts.push({ bytes: threads * WORKER_BYTES, what: `${((threads * WORKER_BYTES) / 2 ** 20).toFixed(0)} MiB for ${threads} density worker threads (--workers 0 avoids it)` });
  return { total: parts.reduce((s, p) => s + p.bytes, 0), detail: parts.map((p) => p.what).join(', + ') };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, specs);
  const flags = { ...parsed, flow: (parsed.flow ?? (parsed.data ? 'cnf' : 'ircpm')) as 'ircpm' | 'cnf' } as Flags;
  if (parsed.help) {
    console.log(`usage: gaugeflow fit (--target <name> | --data <csv>) [flags]\n\n${flagHelp(specs)}`);
    return 0;
  }
  if (!flags.target === !flags.data) throw new UsageError('give exactly one of --target <name> or --data <csv>');
  const target = flags.target ? targetByName(flags.target) : undefined;
  const manifoldName = flags.manifold ?? target?.manifold ?? 'sphere2';
  if (target && target.manifold !== manifoldName) throw new UsageError(`target ${target.name} lives on ${target.manifold}, not ${manifoldName}`);
  if (flags.data && manifoldName !== 'sphere2') throw new UsageError('--data (lat,lon) needs --manifold sphere2');
  appliesOnly(parsed, ['stack', 'separate', 'potential', 'diag-points'], flags.flow === 'ircpm', '--flow ircpm');
  appliesOnly(parsed, ['estimator', 'eval-samples'], !!flags.target, '--target (reverse KL)');
  appliesOnly(parsed, ['split-seed', 'minutes', 'patience', 'ema'], !!flags.data, '--data');
  appliesOnly(parsed, ['mixture', 'workers'], !!flags.data && flags.flow === 'cnf', '--data with --flow cnf');
  const mixture = !!flags.data && flags.flow === 'cnf' && flags.mixture !== 'none';
  appliesOnly(parsed, ['min-width'], mixture, '--mixture kernel');
  appliesOnly(parsed, ['force'], flags.out !== undefined, '--out');
  if (flags.potential === 'fourier' && manifoldName !== 'torus2') throw new UsageError(`--potential fourier is defined on flat tori only (--manifold torus2), not ${manifoldName}`);
  if (flags.estimator === 'path' && flags.flow !== 'ircpm') {
    throw new UsageError('--estimator path needs --flow ircpm (it differentiates the explicit IRCPM density in x)');
  }
  if (flags.symmetric && !target?.symmetry) throw new UsageError('--symmetric needs a target with a continuous symmetry (rezende-correlated)');
  // Preflight: the output files, then the memory, before any work.
  const checkpointPath = flags.out ? `${flags.out}.checkpoint.json` : undefined;
  if (flags.out) {
    checkOutputPath(flags.out, { force: flags.force, inputs: [flags.data], flag: '--out' });
    checkOutputPath(checkpointPath!, { force: flags.force, inputs: [flags.data], flag: 'checkpoint file' });
  }
  // the data are read (and checked) before any work, and size the kernel selection's memory
  const points = flags.data ? latLonToSphere(loadLatLonCSV(flags.data)) : undefined;
  if (points) {
    try {
      dataSplitIndices(points.length, flags['split-seed']!);
    } catch (e) {
      throw new Error(`${flags.data}: ${(e as Error).message}`);
    }
  }
  const mem = fitMemory(flags, manifoldName === 'sphere2', mixture ? points!.length : undefined);
  checkMemory({ ...mem, reduce: mixture ? '--batch, --hidden or --mixture none' : '--batch or --hidden' }, flags['max-memory']);

  const backend = await initBackend();
  const manifold = manifoldByName(manifoldName);
  const rng = seedrandom(`fit-${flags.seed}`);
  const flow = await buildFlow(flags, manifold, rng, target?.symmetry);
  const t0 = performance.now();
  const interrupt = onInterrupt('fit', 'stopping after the current training step', { sigterm: true });
  const steps = flags.steps ?? 1000;
  const common = { steps, batch: flags.batch!, lr: flags.lr!, rng, progress: !flags.json, json: flags.json, signal: interrupt.signal };
  const result: Record<string, unknown> = {
    command: 'fit',
    manifold: manifold.name,
    flow: flags.flow,
    params: countParams(flow.variables),
    steps: flags.data ? undefined : steps,
    seed: flags.seed,
  };
  if (flow instanceof IRCPMFlow) Object.assign(result, { layers: flow.nLayers, shared: flow.potentials.length === 1, symmetric: !!flags.symmetric, potential: flags.potential });

  const print = () => {
    if (flags.json) console.log(JSON.stringify(result));
    else {
      // the same fields as the JSON, which leaves out undefined ones (steps with --data)
      for (const [k, v] of Object.entries(result)) if (k !== 'bounds' && v !== undefined) console.log(`${k.padEnd(14)} ${typeof v === 'number' ? +v.toPrecision(6) : JSON.stringify(v)}`);
      if (result.bounds) console.log(`bounds         ${JSON.stringify(result.bounds)}`);
    }
  };
  const meta: Record<string, unknown> = { target: target?.name, data: flags.data, steps: flags.steps, seed: flags.seed };
  let code = 0;
  /** The finished model to --out, if given (once): the result is printed even if it cannot be written (a full disk). */
  const saveModel = () => {
    if (!flags.out) return;
    try {
      saveFlow(flags.out, flow, meta);
      result.model = flags.out;
      if (checkpointPath) rmSync(checkpointPath, { force: true });
    } catch (e) {
      result.model = null;
      console.error(`gaugeflow fit: ${(e as Error).message}`);
      code = 1;
    }
  };
  /** Ctrl-C: the weights reached go to the checkpoint file (never to --out), the partial result is printed. */
  const interrupted = (done: number, planned: number, finalLoss: number | null, cleanup: () => void): number => {
    cleanup();
    Object.assign(result, { interrupted: true, stepsDone: done, finalLoss, wallSeconds: (performance.now() - t0) / 1000, backend });
    if (checkpointPath) {
      saveFlow(checkpointPath, flow, { ...meta, checkpoint: true, stepsDone: done });
      result.checkpoint = checkpointPath;
      console.error(`gaugeflow fit: interrupted after ${done} of ${planned} steps; weights saved to ${checkpointPath} (not to ${flags.out})`);
    } else {
      console.error(`gaugeflow fit: interrupted after ${done} of ${planned} steps; no --out given, so the weights were not saved`);
    }
    print();
    return interrupt.exitCode;
  };

  try {
    if (target) {
      result.target = target.name;
      const tr = await trainWithLossAsync(flow, common, 'reverse KL', reverseKLLoss(flow, target.logp, flags.estimator as 'total' | 'path'));
      if (tr.interrupted) return interrupted(tr.losses.length, steps, tr.losses.at(-1) ?? null, () => {});
      result.estimator = flags.estimator;
      // the model is finished: saved before the evaluation (20 000 samples: ≈ 15 s for an IRCPM, a
      // minute for a CNF's exact density), which Ctrl-C then skips
      saveModel();
      const saved = !flags.out ? 'no --out given, so the model is not saved' : result.model ? `the model is saved to ${flags.out}` : 'the model could not be saved';
      interrupt.describe(`skipping the evaluation; ${saved}`);
      if (!flags.json && process.stderr.isTTY) process.stderr.write(`evaluation: ESS and KL from ${flags['eval-samples']} fresh samples (Ctrl-C skips it; ${saved})…\n`);
      const ev = await evaluateInterruptible(flow, target.logp, flags['eval-samples']!, seedrandom(`eval-${flags.seed}`), { exactLogZ: target.logZ, signal: interrupt.signal });
      if (!ev) {
        Object.assign(result, { interrupted: true, evaluation: 'interrupted', finalLoss: tr.losses.at(-1) ?? null, wallSeconds: (performance.now() - t0) / 1000, backend });
        console.error(`gaugeflow fit: interrupted during the evaluation, after training; ${saved}`);
        print();
        return code !== 0 ? code : interrupt.exitCode;
      }
      Object.assign(result, { ess: ev.ess, kl: ev.kl, klExactLogZ: ev.klExact, okFraction: ev.okFraction, evalSamples: ev.n, finalLoss: tr.losses.at(-1) ?? null });
    } else {
      const split = splitData(points!, flags['split-seed']!);
      const d = dataFitDefaults(flags.flow, split.sizes.train, { minutes: flags.minutes, iterations: flags.steps });
      const typed = givenFlags(parsed);
      const settings: ValidatedFitSettings = {
        ...d.training,
        ...(typed.has('batch') ? { batch: flags.batch! } : {}),
        ...(typed.has('lr') ? { lr: flags.lr! } : {}),
        ...(flags.patience !== undefined ? { patience: flags.patience } : {}),
        ...(flags.ema !== undefined ? { ema: flags.ema } : {}),
      };
      // the JSON says what was chosen and why (the data size and budget), and which flags overrode it
      result.settings = {
        ...settings,
        seconds: undefined,
        minutes: settings.seconds / 60,
        clipNorm: Number.isFinite(settings.clipNorm) ? settings.clipNorm : null,
        patience: Number.isFinite(settings.patience) ? settings.patience : null,
        valSelectionPoints: Math.min(d.valCap, split.sizes.val),
        basis: d.basis,
        overridden: ['steps', 'batch', 'lr', 'hidden', 'patience', 'ema', 'minutes'].filter((f) => typed.has(f)),
        ...(flow instanceof IRCPMFlow ? {} : { model: { ...DATA_CNF_MODEL, hidden: flags.hidden ?? DATA_CNF_MODEL.hidden } }),
      };
      // training done: the selected weights to the checkpoint file first, then the evaluation
      let saved = 'no --out given, so the weights were not saved';
      let checkpointSaved = false;
      const onTrained = (fit: ValidatedFitResult) => {
        if (checkpointPath) {
          try {
            saveFlow(checkpointPath, flow, { ...meta, checkpoint: true, stepsDone: fit.steps, selectedIteration: fit.selectedIteration, evaluated: false });
            checkpointSaved = true;
            saved = `the trained weights are saved to ${checkpointPath} (not to ${flags.out}, which is written only for a finished model)`;
          } catch (e) {
            // the evaluation still runs, and --out is still written at the end if it can be
            console.error(`gaugeflow fit: ${(e as Error).message}; going on with the evaluation`);
            saved = 'the trained weights could not be saved';
          }
        }
        interrupt.describe(`skipping the test evaluation; ${saved}`);
      };
      // A CNF learns from data by flow matching along geodesics (no ODE solve per step); an IRCPM,
      // whose density is explicit, by maximum likelihood. Both select on the validation split.
      const out = await fitToData(flow, split, settings, d.valCap, { rng, progress: !flags.json, json: flags.json, signal: interrupt.signal, mixture, minWidth: flags['min-width'], workers: flags.workers, onTrained });
      if (out.fit.stopped === 'interrupted') return interrupted(out.fit.steps, settings.iterations, out.fit.finalLoss, () => disposeSplit(split));
      if (out.evaluation === 'interrupted') {
        disposeSplit(split);
        Object.assign(result, { interrupted: true, evaluation: 'interrupted', stepsDone: out.fit.steps, selectedIteration: out.fit.selectedIteration, stopped: out.fit.stopped, trainSeconds: out.fit.seconds, valNLL: out.fit.bestValNLL, finalLoss: out.fit.finalLoss, wallSeconds: (performance.now() - t0) / 1000, backend });
        if (checkpointSaved) result.checkpoint = checkpointPath;
        console.error(`gaugeflow fit: interrupted during the test evaluation, after ${out.fit.steps} training steps; ${saved}`);
        print();
        return interrupt.exitCode;
      }
      Object.assign(result, {
        objective: flags.flow === 'cnf' ? 'flow matching (geodesic)' : 'maximum likelihood',
        data: flags.data,
        splitSeed: flags['split-seed'],
        sizes: split.sizes,
        stepsDone: out.fit.steps,
        selectedIteration: out.fit.selectedIteration,
        stopped: out.fit.stopped,
        trainSeconds: out.fit.seconds,
        density: out.mixture ? 'cnf+kernel' : flags.flow,
        // the density the model (and a file saved by --out) defines: with the kernel mixture, that mixture
        testNLL: out.mixture ? out.mixture.testNLL : out.testNLL,
        valNLL: out.mixture ? out.mixture.valNLL : out.valNLL,
        flowTestNLL: out.testNLL,
        flowValNLL: out.valNLL,
        ...(out.testNLLContinuous !== undefined ? { testDensity: 'exact (discrete map)', testOkFraction: out.testOkFraction, testNLLContinuous: out.testNLLContinuous } : {}),
        finalLoss: out.fit.finalLoss,
        ...(out.mixture
          ? { mixture: { weight: out.mixture.weight, kernel: out.mixture.choice, kernelTestNLL: out.mixture.kernelTestNLL, seconds: out.mixture.seconds, kernelSeconds: out.mixture.kernelSeconds } }
          : {}),
        validation: out.fit.log,
      });
      if (out.mixture) meta.mixture = { weight: out.mixture.weight, choice: out.mixture.choice, kernel: out.mixture.kernel.toJSON() };
      disposeSplit(split);
    }
  } finally {
    interrupt.close();
  }
  if (flow instanceof IRCPMFlow) result.bounds = boundDiagnostics(flow, flags['diag-points'], seedrandom(`diag-${flags.seed}`));
  result.wallSeconds = (performance.now() - t0) / 1000;
  result.backend = backend;
  if (!('model' in result)) saveModel();
  print();
  return code;
}
