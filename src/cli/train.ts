/**
 * `gaugeflow train`: train a gauge-equivariant flow for the Wilson action by reverse KL, data-parallel
 * over worker threads, then measure it as an MCMC proposal (ESS, KL, acceptance) and save it.
 *
 *   gaugeflow train --group u1 --dims 2 --L 8 --beta 2 [--kernel ircpm|ncp|spline|energy] [--layers 24] [--estimator path|total]
 *                   [--stripe-order descending|ascending] [--steps N | --minutes M] [--batch 64]
 *                   [--workers 2] [--seed 1] [--init m.json] --out model.json [--force] [--json]
 *   gaugeflow train --group su2|su3|suN [--N n] ... : the SU(N) spectral flow (src/flows/sun/), same
 *                   flags and JSON; its kernel on the maximal torus is IRCPM, plain (ircpm, default)
 *                   or fed the local action (energy), or a CNF (cnf), so --kernel ncp|spline and the U(1) kernel flags
 *                   (--modes, --mixtures, --bins) are usage errors, and --kernel cnf with --group u1.
 *   gaugeflow train --target single --group su2|su3|suN [--N n] --beta 9 --coeffs c1,c2,c3 --out m.json:
 *                   a single-matrix flow (src/cli/train-single.ts; lattice flags are usage errors).
 *
 * Files: --out (and its checkpoint file, <out>.checkpoint.json) are checked before any work starts;
 * neither is overwritten without --force, and an input is never written over. Ctrl-C stops after the
 * current step, saves the weights reached to the checkpoint file, says where, prints the partial
 * result and exits 130. Ctrl-C during the final evaluation (the model is saved by then) skips the
 * evaluation, says where the model is and exits 130. SIGTERM (a batch scheduler's time limit or
 * cancel, `kill`) does the same with exit code 143.
 */
import { rmSync } from 'node:fs';
import { appliesOnly, parseFlags, flagHelp, UsageError, type FlagSpecs } from './args.ts';
import { onInterrupt } from './interrupt.ts';
import { checkMemory, formatBytes, maxMemoryFlag } from './preflight.ts';
import { checkOutputPath, writeFileAtomic } from './output-file.ts';
import { initBackend } from '../backend/index.ts';
import { makeLattice } from '../../lattices/geometry.ts';
import { trainParallel, type ParallelTrainResult } from '../train/parallel.ts';
import { assignVariables, joinWeights, variableShapes } from '../train/flat.ts';
import { defaultU1Config, u1BaseKinds, type U1GaugeFlowConfig } from '../flows/gauge/build.ts';
import { buildGaugeFlow, gaugeTrainableSpec, type GaugeTrainableConfig } from '../flows/gauge/trainable.ts';
import { buildSUNGaugeFlow, sunTrainableSpec, type SUNTrainableConfig } from '../flows/sun/trainable.ts';
import { gaugeModelPayload, readGaugeModel, sunGroupName, type GaugeFlow, type TrainingHistory } from '../flows/gauge/model-file.ts';
import { gaugeProposal } from '../flows/gauge/proposal.ts';
import { evaluateGaugeProposalInterruptible } from '../flows/gauge/evaluate.ts';
import { circleKernelKinds } from '../flows/circle/kernel.ts';
import { DEFAULT_STRIPE_ORDER, stripeOrders, type StripeOrder } from '../flows/gauge/masks.ts';
import { sunKernelName } from '../flows/sun/coupling.ts';

/** Default coupling layers of an SU(N) flow (bench/gauge-flow.ts measures its cost). */
export const SUN_LAYERS = 16;
/** The SU(N) kernel without --kernel. */
export const SUN_KERNEL: 'ircpm' | 'energy' | 'cnf' = 'ircpm';
/**
 * Reverse-KL gradient estimator without --estimator. U(1): 'path' — measured on 8×8 β = 2 (24 layers,
 * 15 minutes): ESS 0.41, KL 0.44, acceptance 0.51, where 'total' with 16 layers reached 0.36 / 0.53 /
 * 0.46; at 4 minutes path lowered the KL at 16 layers (0.81 → 0.72) at twice the cost per step. SU(N):
 * 'total' (path not measured there).
 */
export const U1_ESTIMATOR: 'total' | 'path' = 'path';
export const SUN_ESTIMATOR: 'total' | 'path' = 'total';
/** Kernels on the maximal torus (SU(N) groups only). */
const SUN_ONLY_KERNELS = ['cnf'] as const;

const specs = {
  group: { type: 'string', choices: ['u1', 'su2', 'su3', 'suN'], help: 'gauge group [u1; with --init: the model\'s]' },
  N: { type: 'int', min: 2, help: 'N for --group suN' },
  target: { type: 'string', choices: ['lattice', 'single'], default: 'lattice', help: 'a lattice flow, or a single-matrix flow for p(U) ∝ exp((β/N) Re tr Σ c_k Uᵏ) (src/cli/train-single.ts)' },
  coeffs: { type: 'numbers', help: '--target single: coefficients c1,c2,… [1]' },
  dims: { type: 'int', min: 2, default: 2, help: 'lattice dimension (2, 3, 4)' },
  L: { type: 'int', min: 4, default: 8, help: 'lattice extent (a multiple of 4)' },
  beta: { type: 'number', min: 0, default: 2 },
  kernel: { type: 'string', choices: [...circleKernelKinds, ...SUN_ONLY_KERNELS], help: `u1: kernel on the circle for the active plaquettes [${defaultU1Config.kernel}]; SU(N): ircpm, energy or cnf on the maximal torus [${SUN_KERNEL}]` },
  modes: { type: 'int', min: 1, help: 'ircpm/energy: Fourier modes of the potential (energy: of the learned correction)' },
  mixtures: { type: 'int', min: 1, help: 'ncp: mixture components' },
  bins: { type: 'int', min: 2, help: 'spline: bins' },
  layers: { type: 'int', min: 1, help: `coupling layers [u1: ${defaultU1Config.layers}; SU(N): ${SUN_LAYERS}]` },
  hidden: { type: 'ints', min: 1, help: `conditioner hidden channels, e.g. 8,8 [u1: ${defaultU1Config.hidden.join(',')}; SU(N): 8]` },
  'stripe-order': { type: 'string', choices: stripeOrders, help: `order of the mask stripes within a pass [${DEFAULT_STRIPE_ORDER}]` },
  base: { type: 'string', choices: u1BaseKinds, help: '2D: base distribution, uniform links (haar) or independent plaquettes at β with one constrained (plaquette; docs/design.md, "The plaquette base") [haar]' },
  steps: { type: 'int', min: 1, help: 'training steps (default 2000 unless --minutes is given)' },
  minutes: { type: 'number', gt: 0, help: 'wall-clock training budget (with --steps: whichever ends first)' },
  batch: { type: 'int', min: 1, default: 64 },
  microbatches: { type: 'int', min: 1, default: 2, help: 'fixed split of the batch over threads (results do not depend on --workers)' },
  workers: { type: 'int', min: 0, default: 2, help: 'worker threads (0: this thread)' },
  lr: { type: 'number', gt: 0, default: 2e-3, help: 'Adam learning rate (cosine decay to --lr-final × lr over the steps or minutes)' },
  'lr-final': { type: 'number', gt: 0, max: 1, help: 'final learning rate as a fraction of --lr (cosine decay) [0.05]' },
  estimator: { type: 'string', choices: ['total', 'path'], help: `reverse-KL gradient estimator [u1: ${U1_ESTIMATOR}; SU(N): ${SUN_ESTIMATOR}]` },
  seed: { type: 'int', default: 1 },
  init: { type: 'string', help: 'continue or fine-tune this model (its architecture is used)' },
  'checkpoint-every': { type: 'int', min: 1, default: 200, help: 'steps between checkpoints (<out>.checkpoint.json)' },
  'eval-samples': { type: 'int', min: 100, default: 20000, help: 'fresh draws for ESS, KL and acceptance' },
  out: { type: 'string', help: 'where to save the model (required)' },
  force: { type: 'boolean', help: 'overwrite --out and its checkpoint file if they exist' },
  'run-dir': { type: 'string', help: 'also write the training history and result for `gaugeflow report` to this directory' },
  'max-memory': maxMemoryFlag,
  json: { type: 'boolean', help: 'print one JSON object (no progress bar)' },
  help: { type: 'boolean' },
} satisfies FlagSpecs;

type Flags = ReturnType<typeof parseFlags<typeof specs>>;

function architecture(flags: Flags): U1GaugeFlowConfig {
  const kernel = (flags.kernel ?? defaultU1Config.kernel) as U1GaugeFlowConfig['kernel'];
  const kernelOptions: U1GaugeFlowConfig['kernelOptions'] =
    kernel === 'ircpm' ? { modes: flags.modes ?? 4 }
    : kernel === 'energy' ? { correctionModes: flags.modes ?? 2 }
    : kernel === 'ncp' ? { mixtures: flags.mixtures ?? 2 }
    : { bins: flags.bins ?? 8 };
  appliesOnly(flags, ['modes'], kernel === 'ircpm' || kernel === 'energy', '--kernel ircpm or energy');
  appliesOnly(flags, ['mixtures'], kernel === 'ncp', '--kernel ncp');
  appliesOnly(flags, ['bins'], kernel === 'spline', '--kernel spline');
  return {
    ...defaultU1Config,
    dims: flags.dims!,
    beta: flags.beta!,
    kernel,
    kernelOptions,
    layers: flags.layers ?? defaultU1Config.layers,
    hidden: flags.hidden ?? defaultU1Config.hidden,
    stripeOrder: (flags['stripe-order'] ?? defaultU1Config.stripeOrder) as StripeOrder,
    ...(flags.base === 'plaquette' ? { base: 'plaquette' as const } : {}),
  };
}

function validate(flags: Flags): void {
  if (flags.dims! > 4) throw new UsageError(`--dims must be 2, 3 or 4, got ${flags.dims}`);
  if (flags.L! % 4 !== 0) throw new UsageError(`--L must be a multiple of 4 (the coupling layers' stripe masks), got ${flags.L}`);
  if (!flags.out) throw new UsageError('--out <model.json> is required');
  if (flags.base === 'plaquette' && flags.dims !== 2) throw new UsageError(`--base plaquette is 2D only (got --dims ${flags.dims})`);
  if (flags.microbatches! > flags.batch!) throw new UsageError(`--microbatches (${flags.microbatches}) cannot exceed --batch (${flags.batch})`);
  if (flags.init) {
    for (const k of ['kernel', 'layers', 'hidden', 'modes', 'mixtures', 'bins', 'stripe-order', 'base'] as const) {
      if (flags[k] !== undefined) throw new UsageError(`--${k} cannot be combined with --init (the model's architecture is used)`);
    }
  }
}

type Group = 'u1' | 'su2' | 'su3' | 'suN';

/** What to train: a U(1) or an SU(N) flow, its Trainable config, and the runs an --init model continued. */
type Plan =
  | { kind: 'u1'; group: 'u1'; config: GaugeTrainableConfig; previous: TrainingHistory[] }
  | { kind: 'sun'; group: Group; config: SUNTrainableConfig; previous: TrainingHistory[] };

/** The group and architecture from the flags and the --init model (usage errors for flags that do not apply). */
function plan(flags: Flags): Plan {
  const init = flags.init ? readGaugeModel(flags.init) : null;
  appliesOnly(flags, ['N'], flags.group === 'suN', '--group suN');
  if (flags.group === 'suN' && flags.N === undefined) throw new UsageError('--group suN needs --N <n>');
  const asked: Group | undefined = flags.group === 'suN' ? sunGroupName(flags.N!) : (flags.group as Group | undefined);
  if (init && asked !== undefined && asked !== init.group) throw new UsageError(`--group ${flags.group}${flags.N !== undefined ? ` --N ${flags.N}` : ''}: the --init model is a ${init.group}${init.group === 'suN' ? ` (N = ${init.N})` : ''} flow`);
  if (init && init.dims !== flags.dims) throw new UsageError(`--init model is ${init.dims}D, --dims is ${flags.dims}`);
  const group: Group = asked ?? init?.group ?? 'u1';
  const estimator = (flags.estimator ?? (group === 'u1' ? U1_ESTIMATOR : SUN_ESTIMATOR)) as 'total' | 'path';
  const previous = init ? [...(init.history.previous ?? []), { ...init.history, previous: undefined, L: init.trained.L, beta: init.trained.beta }] : [];
  const common = { L: flags.L!, beta: flags.beta!, estimator, seed: flags.seed! };
  if (group === 'u1') {
    if (flags.kernel === 'cnf') throw new UsageError('--kernel cnf is an SU(N) kernel (on the maximal torus); U(1) kernels: ' + circleKernelKinds.join(', '));
    const config: GaugeTrainableConfig =
      init?.group === 'u1' ? { ...common, flow: { ...init.flow.config, beta: flags.beta! }, initial: init.flow } : { ...common, flow: architecture(flags) };
    return { kind: 'u1', group, config, previous };
  }
  appliesOnly(flags, ['kernel'], flags.kernel === 'ircpm' || flags.kernel === 'energy' || flags.kernel === 'cnf', '--group u1 (an SU(N) flow has the ircpm, energy or cnf kernel on the maximal torus)');
  appliesOnly(flags, ['modes', 'mixtures', 'bins'], false, '--group u1 (the U(1) circle kernels)');
  const sunKernel = init && init.group !== 'u1' ? sunKernelName(init.flow.options) : (flags.kernel ?? SUN_KERNEL);
  if (init && init.group !== 'u1') {
    // an energy kernel fine-tuned at another β sees that β's local action (as the U(1) energy kernel does)
    // and a plaquette base is that of the new β
    const options = {
      ...init.flow.options,
      ...(init.flow.options?.energyBeta !== undefined ? { energyBeta: flags.beta! } : {}),
      ...(init.flow.options?.baseBeta !== undefined ? { baseBeta: flags.beta! } : {}),
    };
    return { kind: 'sun', group, previous, config: { ...common, dims: init.flow.dims, N: init.N, layers: init.flow.layers, options, initial: { ...init.flow, options } } };
  }
  const N = group === 'su2' ? 2 : group === 'su3' ? 3 : flags.N!;
  const options = {
    ...(flags.hidden ? { convHidden: flags.hidden } : {}),
    ...(sunKernel === 'energy' ? { energyBeta: flags.beta! } : {}),
    ...(sunKernel === 'cnf' ? { kernel: 'cnf' as const } : {}),
    ...(flags.base === 'plaquette' ? { baseBeta: flags.beta! } : {}),
    stripeOrder: (flags['stripe-order'] ?? DEFAULT_STRIPE_ORDER) as StripeOrder,
  };
  return { kind: 'sun', group, previous, config: { ...common, dims: flags.dims!, N, layers: flags.layers ?? SUN_LAYERS, options } };
}

/**
 * Rough peak bytes of training: the tape of one microbatch holds per sample, site and coupling
 * layer ≈ 32·d bytes per channel (hidden channels + 4d context/kernel channels); measured ≈ 41 KiB
 * per sample-site for a 16-layer 16,16 2D flow. An SU(N) layer holds in addition the
 * complex N×N matrices of its loops, eigen-decomposition and potential (see sunLayerSiteBytes).
 * Every worker thread (or this thread) holds one microbatch at a time.
 */
function trainMemory(flags: Flags, p: Plan): { total: number; perSample: number; detail: string } {
  const d = flags.dims!;
  const sites = flags.L! ** d;
  let perSampleSite: number;
  if (p.kind === 'u1') {
    const hidden = p.config.flow.hidden.reduce((a, b) => a + b, 0);
    perSampleSite = p.config.flow.layers * (hidden + 4 * d) * 32 * d;
  } else {
    perSampleSite = p.config.layers * sunLayerSiteBytes(p.config.N, d);
  }
  const micro = Math.ceil(flags.batch! / flags.microbatches!);
  const concurrent = Math.min(flags.microbatches!, Math.max(1, flags.workers!)) * micro;
  return {
    total: concurrent * sites * perSampleSite,
    perSample: sites * perSampleSite,
    detail: `≈ ${Math.round((sites * perSampleSite) / 1024 ** 2)} MiB per sample × ${concurrent} samples in flight`,
  };
}

/** What one wasm module can hold in practice (its limit is 4 GiB; allocations fail well before). */
const WASM_HEAP = 2 * 1024 ** 3;

/**
 * On wasm every thread holds one microbatch's tape in its own module: a microbatch over WASM_HEAP
 * aborts inside the module with an unhelpful trap ("divide by zero", "null function"), so refuse it
 * first and say which --microbatches would fit.
 */
function checkWasmMicrobatch(flags: Flags, perSample: number): void {
  const micro = Math.ceil(flags.batch! / flags.microbatches!);
  if (micro * perSample <= WASM_HEAP) return;
  const fit = Math.floor(WASM_HEAP / perSample);
  const what = `one microbatch of ${micro} samples needs ≈ ${formatBytes(micro * perSample)} (≈ ${formatBytes(perSample)} per sample) in one wasm module, which holds ≈ ${formatBytes(WASM_HEAP)}`;
  if (fit < 1) throw new UsageError(`${what}; even one sample does not fit: reduce --L or --layers, or use a native backend (tfjs-node)`);
  throw new UsageError(`${what}; pass --microbatches ${Math.ceil(flags.batch! / fit)} or more (at most ${fit} samples each), or a smaller --batch`);
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, specs);
  if (flags.help) {
    console.log(`usage: gaugeflow train --L <L> --beta <β> --out <model.json> [flags]\n\n${flagHelp(specs)}`);
    return 0;
  }
  if (flags.target === 'single') return (await import('./train-single.ts')).runSingle(flags);
  appliesOnly(flags, ['coeffs'], false, '--target single');
  validate(flags);
  const p = plan(flags);
  const out = flags.out!;
  const checkpointPath = `${out}.checkpoint.json`;
  checkOutputPath(out, { force: flags.force, inputs: [flags.init], flag: '--out' });
  checkOutputPath(checkpointPath, { force: flags.force, inputs: [flags.init], flag: 'checkpoint file' });
  const runDir = flags['run-dir'] ? await import('../report/run-dir.ts') : null;
  runDir?.prepareRunDir(flags['run-dir']!, [runDir.trainingRecordName(flags.L!, flags.beta!)], { force: flags.force, inputs: [flags.init] });

  const { previous } = p;
  const estimator = p.config.estimator;
  const steps = flags.steps ?? (flags.minutes === undefined ? 2000 : undefined);
  const memory = trainMemory(flags, p);
  checkMemory({ ...memory, reduce: '--L, --batch (or more --microbatches) or --workers' }, flags['max-memory']);

  const backend = await initBackend();
  if (backend === 'wasm') checkWasmMicrobatch(flags, memory.perSample);
  // this thread's copy: receives the trained weights
  const local: GaugeFlow = p.kind === 'u1' ? buildGaugeFlow(p.config) : buildSUNGaugeFlow(p.config);
  const lattice = makeLattice(new Array<number>(flags.dims!).fill(flags.L!));
  const shapes = variableShapes(local.variables);
  const meta = { L: flags.L!, beta: flags.beta! };

  const curve: [number, number, number][] = [];
  const save = (path: string, flow: GaugeFlow, r: { steps: number; seconds: number }, extra: Record<string, unknown>) => {
    const history: TrainingHistory = { steps: r.steps, seconds: r.seconds, curve, estimator, batch: flags.batch!, seed: flags.seed!, ...extra, ...(previous.length ? { previous } : {}) };
    writeFileAtomic(path, JSON.stringify(gaugeModelPayload(flow, meta, history)), path === checkpointPath ? 'checkpoint file' : 'model file');
  };

  // one handler from the first step to the end of the evaluation (Interrupt.describe says what the next
  // Ctrl-C does): a gap between two would hand a signal in it to Node's default handler
  const interrupt = onInterrupt('train', `stopping after the current step; the weights go to ${checkpointPath}`, { sigterm: true });
  try {
    const result: ParallelTrainResult = await trainParallel({
      spec: p.kind === 'u1' ? gaugeTrainableSpec(p.config) : sunTrainableSpec(p.config),
      workers: flags.workers!,
      ...(steps !== undefined ? { steps } : {}),
      ...(flags.minutes !== undefined ? { minutes: flags.minutes } : {}),
      batch: flags.batch!,
      microbatches: flags.microbatches!,
      seed: flags.seed!,
      ...(flags.lr !== undefined ? { lr: flags.lr } : {}),
      ...(flags['lr-final'] !== undefined ? { lrFinal: flags['lr-final'] } : {}),
      checkpointEvery: flags['checkpoint-every']!,
      onCheckpoint: (c) => {
        assignVariables(local.variables, joinWeights(c.weights, shapes));
        save(checkpointPath, local, { steps: c.step, seconds: c.seconds }, { checkpoint: true });
      },
      signal: interrupt.signal,
      onStep: (s) => {
        if (s.step % 10 === 0 || s.step < 10) curve.push([s.step, s.loss, s.ess ?? NaN]);
      },
      progress: !flags.json,
    });
    assignVariables(local.variables, joinWeights(result.weights, shapes));
    const report: Record<string, unknown> = {
      command: 'train',
      group: p.group,
      ...(p.kind === 'sun' ? { N: p.config.N } : {}),
      dims: flags.dims,
      L: flags.L,
      beta: flags.beta,
      kernel: p.kind === 'u1' ? p.config.flow.kernel : sunKernelName(p.config.options),
      layers: p.kind === 'u1' ? p.config.flow.layers : p.config.layers,
      params: local.paramCount,
      steps: result.steps,
      trainSeconds: result.seconds,
      secondsPerStep: result.timing.wallPerStep,
      stopReason: result.stopReason,
      estimator,
      batch: flags.batch,
      workers: result.workers,
      seed: flags.seed,
      backend,
      init: flags.init ?? null,
    };
    if (result.interrupted) {
      save(checkpointPath, local, result, { interrupted: true });
      console.error(`gaugeflow train: interrupted after ${result.steps} steps; weights saved to ${checkpointPath} (not to ${out})`);
      report.interrupted = true;
      report.checkpoint = checkpointPath;
      if (runDir) console.error(`gaugeflow train: training history written to ${await runDir.writeTrainingRun(flags['run-dir']!, flags.L!, flags.beta!, curve, report)}`);
      console.log(flags.json ? JSON.stringify(report) : formatReport(report));
      return interrupt.exitCode;
    }
    let code = 0;
    try {
      save(out, local, result, {});
      rmSync(checkpointPath, { force: true }); // a checkpoint exists only for a run that did not finish
      report.model = out;
    } catch (e) {
      // the measurements below are still printed; the last checkpoint (if any) is kept
      console.error(`gaugeflow train: ${(e as Error).message}`);
      report.model = null;
      code = 1;
    }
    // Ctrl-C during the final evaluation: the model is saved already; say so, skip the evaluation, exit 130 (143)
    const saved = code === 0 ? `the model is saved to ${out}` : 'the model could not be saved; the last checkpoint (if any) is kept';
    interrupt.describe(`skipping the final evaluation; ${saved}`);
    const ev = await evaluateGaugeProposalInterruptible(gaugeProposal(local, lattice), flags.beta!, flags['eval-samples']!, `${flags.seed}`, interrupt.signal);
    if (ev === null) {
      console.error(`gaugeflow train: interrupted during the final evaluation; ${saved} (measure it with gaugeflow sample --sampler flow --model ${out})`);
      report.interrupted = true;
      report.evaluation = 'interrupted';
      if (runDir) console.error(`gaugeflow train: training history written to ${await runDir.writeTrainingRun(flags['run-dir']!, flags.L!, flags.beta!, curve, report)}`);
      console.log(flags.json ? JSON.stringify(report) : formatReport(report));
      return code !== 0 ? code : interrupt.exitCode;
    }
    Object.assign(report, {
      ess: ev.ess,
      kl: ev.kl,
      klLogZ: ev.klLogZ,
      acceptance: ev.acceptance,
      logZ: ev.logZ,
      logZErr: ev.logZErr,
      logZExact: ev.logZExact,
      failedDraws: ev.failedDraws,
      evalSamples: ev.n,
    });
    if (runDir) console.error(`gaugeflow train: training history written to ${await runDir.writeTrainingRun(flags['run-dir']!, flags.L!, flags.beta!, curve, report)}`);
    console.log(flags.json ? JSON.stringify(report) : formatReport(report));
    return code;
  } finally {
    interrupt.close();
  }
}

/**
 * Rough tape bytes per sample, site and layer of an SU(N) spectral coupling (src/flows/sun/coupling.ts):
 * float32 complex N×N matrices (staples, loops, eigenvectors, rebuilt loops, their products and
 * gradients: ≈ 120 per link direction), and the conditioner, whose k^d stencil windows (k = 3) with
 * their gradients dominate in 4D. Set from measurements (tf.profile peak bytes of one training step):
 * 2D SU(3) L = 8, 4 layers, batch 2: 25 KiB per sample, site and layer (this gives 38 KiB); 4D SU(3)
 * L = 4, 2–4 layers, batch 2: 213–239 KiB (this gives 224 KiB).
 */
function sunLayerSiteBytes(N: number, d: number): number {
  return 120 * 8 * N * N * d + 2400 * 3 ** d;
}

export function formatReport(r: Record<string, unknown>): string {
  return Object.entries(r)
    .map(([k, v]) => `${k.padEnd(14)} ${typeof v === 'number' ? +v.toPrecision(6) : JSON.stringify(v)}`)
    .join('\n');
}
