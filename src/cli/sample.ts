/**
 * `gaugeflow sample`: K chains of a baseline sampler (HMC or heat bath + over-relaxation), Γ-method
 * analysis of plaquette / Q / Q² (2D U(1)) / Wilson loops, compared with the exact results where
 * the theory is solved. The samplers are plain TypeScript, so TensorFlow.js is not loaded.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { appliesOnly, flagHelp, givenFlags, parseFlags, UsageError, type FlagSpecs } from './args.ts';
import { onInterrupt } from './interrupt.ts';
import { checkOutputDir } from './output-file.ts';
import { checkMemory, formatBytes, maxMemoryFlag } from './preflight.ts';
import { estimateRunMemory } from '../../samplers/memory.ts';
import { parseWilsonLoops, validateWilsonLoops } from '../../samplers/observables.ts';
import { validateSpec, type SamplerSpec } from '../../samplers/registry.ts';
import { runChains, type RunOptions } from '../../samplers/runner.ts';
import { summariseRun, type RunSummary } from '../../samplers/runner_analysis.ts';
import { deviationSigma, exactAnnotation } from '../../samplers/runner_exact.ts';

const specs = {
  group: { type: 'string', default: 'u1', choices: ['u1', 'su2', 'su3', 'suN'], help: 'gauge group' },
  N: { type: 'int', min: 2, help: 'N for --group suN' },
  dims: { type: 'int', min: 2, help: 'lattice dimensions (2, 3 or 4) [2; flow: the model\'s]' },
  L: { type: 'int', min: 2, help: 'lattice extent in every direction [8; flow: the L the model was trained at]' },
  beta: { type: 'number', min: 0, help: 'Wilson coupling β [2; flow: the model\'s]' },
  sampler: { type: 'string', default: 'hmc', choices: ['hmc', 'heatbath', 'flow'], help: 'update algorithm (flow: independence Metropolis with a trained flow as proposal)' },
  model: { type: 'string', help: 'flow: the model file from `gaugeflow train`' },
  batch: { type: 'int', min: 1, default: 256, help: 'flow: proposal draws per batch (with the seed, fixes the chain)' },
  n: { type: 'int', default: 1000, min: 1, help: 'measured configurations PER CHAIN (total = n × chains)' },
  therm: { type: 'int', default: 200, min: 0, help: 'thermalisation updates per chain (not measured)' },
  'meas-every': { type: 'int', default: 1, min: 1, help: 'updates between measurements' },
  chains: { type: 'int', default: 4, min: 1, help: 'independent chains (chain k seeded by (seed, k))' },
  workers: { type: 'int', default: 0, min: 0, help: 'worker threads; 0 or 1 = in this thread (results identical)' },
  seed: { type: 'string', default: '1', help: 'random seed (any string)' },
  start: { type: 'string', default: 'hot', choices: ['hot', 'cold'], help: 'initial configuration (hmc, heatbath)' },
  'traj-length': { type: 'number', default: 1, gt: 0, help: 'HMC trajectory length' },
  'md-steps': { type: 'int', default: 10, min: 1, help: 'HMC molecular-dynamics steps per trajectory' },
  integrator: { type: 'string', default: 'leapfrog', choices: ['leapfrog', 'omelyan'], help: 'HMC integrator' },
  'or-steps': { type: 'int', default: 1, min: 0, help: 'heat bath: over-relaxation sweeps per heat-bath sweep' },
  'wilson-loops': { type: 'string', help: "also measure Wilson loops, e.g. '1x1,2x2'" },
  'save-configs': { type: 'string', help: 'write measured configurations to this directory (lattices/io format); refused if it is not empty, unless --force' },
  'save-every': { type: 'int', default: 1, min: 1, help: 'with --save-configs: keep every k-th measured configuration' },
  force: { type: 'boolean', help: 'with --save-configs: use a non-empty directory, replacing the configurations of the earlier run' },
  'max-memory': maxMemoryFlag,
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
  help: { type: 'boolean', help: 'this text' },
} satisfies FlagSpecs;

const HELP = `usage: gaugeflow sample [flags]

Runs --chains independent Markov chains; one "update" is one HMC trajectory or one heat-bath
sweep followed by --or-steps over-relaxation sweeps. Each chain does --therm updates, then
measures --n configurations (PER CHAIN), one every --meas-every updates. Errors, τ_int (in
measurements) and ESS come from the Γ-method with the chains as replica; R̂ is the rank-normalised
split R̂. Ctrl-C stops every chain at its next update (or while a large field is being set up)
and analyses what was measured (interrupted: true, exit code 130). The memory a run holds is
estimated before anything is allocated; a run that does not fit is refused (exit 2) unless
--max-memory allows it. Exact values are an annotation: computed in at most a few seconds, and
reported as null (with a warning) when they cannot be.

exit codes: 0 done, 1 error, 2 bad usage, 130 interrupted

flags:
${flagHelp(specs)}`;

const BACKEND = 'none (plain TS)';

/** JSON with NaN/±Infinity (undefined τ_int, R̂ of frozen chains) written as null. */
function toJson(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return Math.abs(x) >= 1e6 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(digits - 1) : x.toFixed(digits);
}

/** Errors with two significant digits. */
function fmtErr(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return fmt(x);
  return x === 0 ? '0' : x.toPrecision(2);
}

/** The runner's file names in a --save-configs directory (samplers/runner_chain.ts configPath). */
const CONFIG_FILES = /^chain\d+_\d+\.cfg$/;

export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, specs);
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  const given = givenFlags(f);
  const isFlow = f.sampler === 'flow';
  if (isFlow && f.model === undefined) throw new UsageError('--sampler flow needs --model <model.json>');
  appliesOnly(f, ['model', 'batch'], isFlow, '--sampler flow');
  appliesOnly(f, ['traj-length', 'md-steps', 'integrator'], f.sampler === 'hmc', '--sampler hmc');
  appliesOnly(f, ['or-steps'], f.sampler === 'heatbath', '--sampler heatbath');
  appliesOnly(f, ['start', 'save-configs'], !isFlow, '--sampler hmc or heatbath (a flow chain starts from a proposal draw and keeps no configurations)');
  appliesOnly(f, ['save-every', 'force'], f['save-configs'] !== undefined, '--save-configs');
  appliesOnly(f, ['N'], f.group === 'suN' && !isFlow, '--group suN');
  let model: { group: string; dims: number; trained: { L: number; beta: number } } | null = null;
  if (isFlow) {
    const { readGaugeModel } = await import('../flows/gauge/model-file.ts');
    model = readGaugeModel(f.model!);
    if (given.has('group') && f.group !== model.group) throw new UsageError(`--group ${f.group}: the model is a ${model.group} flow`);
    if (f.dims !== undefined && f.dims !== model.dims) throw new UsageError(`--dims ${f.dims}: the model is a ${model.dims}D flow`);
  }
  const spec: SamplerSpec = {
    sampler: f.sampler as SamplerSpec['sampler'],
    group: (model?.group ?? f.group) as SamplerSpec['group'],
    dims: f.dims ?? model?.dims ?? 2,
    L: f.L ?? model?.trained.L ?? 8,
    beta: f.beta ?? model?.trained.beta ?? 2,
  };
  if (f.N !== undefined) spec.N = f.N;
  if (isFlow) {
    const { gaugeProposalModule } = await import('../flows/gauge/proposal.ts');
    spec.proposal = { module: gaugeProposalModule, options: { model: resolve(f.model!), L: spec.L, beta: spec.beta } };
    spec.batch = f.batch!;
    if (spec.L % 4 !== 0) throw new UsageError(`--L must be a multiple of 4 for a gauge flow (stripe masks), got ${spec.L}`);
  } else if (spec.sampler === 'hmc') {
    spec.trajLength = f['traj-length']!;
    spec.mdSteps = f['md-steps']!;
    spec.integrator = f.integrator as 'leapfrog' | 'omelyan';
  } else if (spec.sampler === 'heatbath') spec.orSteps = f['or-steps']!;
  try {
    validateSpec(spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let wilsonLoops;
  try {
    wilsonLoops = parseWilsonLoops(f['wilson-loops'] ?? '');
    // extents only: building the lattice (its neighbour tables) would allocate before the memory check
    validateWilsonLoops({ extents: new Array<number>(spec.dims).fill(spec.L) }, wilsonLoops);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  // Preflight, before anything is allocated or written: the output directory, then the memory.
  const saveDir = f['save-configs'] !== undefined ? resolve(f['save-configs']) : undefined;
  const outDir = saveDir !== undefined ? checkOutputDir(f['save-configs']!, { force: f.force, flag: '--save-configs', owned: CONFIG_FILES }) : null;
  const observables = 1 + (spec.group === 'u1' && spec.dims === 2 ? 2 : 0) + wilsonLoops.length;
  const workers = f.workers! <= 1 ? 0 : f.workers!;
  const mem = estimateRunMemory(spec, { chains: f.chains!, nPerChain: f.n!, therm: f.therm!, measEvery: f['meas-every']!, observables, workers });
  checkMemory({ total: mem.total, detail: mem.detail, reduce: isFlow ? '--batch, --workers or --n' : '--L, --dims, --chains or --n' }, f['max-memory']);

  let backend = BACKEND;
  if (isFlow) {
    const { initBackend } = await import('../backend/index.ts');
    backend = await initBackend(); // the worker threads pin the same choice
  }

  const interrupt = onInterrupt('sample', 'stopping chains at the next update');
  const controller = { signal: interrupt.signal };

  const showBar = Boolean(process.stderr.isTTY) && !process.env.CI && !f.json;
  const bar = showBar
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 'sampling [{bar}] {percentage}% | {value}/{total} updates | eta {eta}s', etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      )
    : null;

  const opts: RunOptions = {
    spec,
    seed: f.seed!,
    chains: f.chains!,
    workers: f.workers!,
    nPerChain: f.n!,
    therm: f.therm!,
    measEvery: f['meas-every']!,
    start: f.start as 'hot' | 'cold',
    wilsonLoops,
    signal: controller.signal,
  };
  if (saveDir !== undefined) {
    opts.saveConfigs = { dir: saveDir, every: f['save-every']! };
    const removed = outDir!.prepare();
    if (removed > 0) process.stderr.write(`gaugeflow sample: --force: removed ${removed} configuration file(s) of an earlier run from ${saveDir}\n`);
  }
  if (bar) {
    let started = false;
    opts.onProgress = (done, total) => {
      const sumTotal = total.reduce((a, b) => a + b, 0);
      if (!started) {
        bar.start(sumTotal, 0);
        started = true;
      }
      bar.update(done.reduce((a, b) => a + b, 0));
    };
  }
  if (mem.total >= 64 * 1024 ** 2) process.stderr.write(`gaugeflow sample: setting up ${f.chains} chain${f.chains! > 1 ? 's' : ''}, ≈ ${formatBytes(mem.total)} (Ctrl-C stops)\n`);

  let result;
  try {
    result = await runChains(opts);
  } finally {
    bar?.stop();
    interrupt.close();
  }
  const summary = summariseRun(result);
  if (result.interrupted && summary.measured === 0) process.stderr.write('gaugeflow sample: interrupted during set-up: nothing was measured\n');
  const annotation = exactAnnotation(spec, wilsonLoops, result.interrupted ? 1000 : undefined); // Ctrl-C: be quick
  const exact = annotation.exact;
  if (annotation.warning) process.stderr.write(`gaugeflow sample: warning: ${annotation.warning}\n`);
  const deviation = deviationSigma(summary.observables, exact);
  const rhat = Object.fromEntries(Object.entries(summary.observables).map(([k, o]) => [k, o.rhat]));

  const out = {
    command: 'sample',
    backend,
    seed: f.seed!,
    sampler: spec.sampler,
    spec,
    chains: opts.chains,
    workers: result.workers,
    memoryEstimate: mem.total,
    nPerChain: opts.nPerChain,
    therm: opts.therm,
    measEvery: opts.measEvery,
    start: opts.start,
    observables: summary.observables,
    acceptance: summary.acceptance,
    meanAcceptProb: summary.meanAcceptProb,
    ...(isFlow ? { model: f.model, batch: spec.batch, importanceEss: summary.importanceEss, failedDraws: summary.failedDraws, proposalsPerSecond: summary.proposalsPerSecond } : {}),
    ...(summary.expMinusDeltaH ? { expMinusDeltaH: summary.expMinusDeltaH } : {}),
    exact: exact ? { ...exact.values, infiniteVolume: exact.infiniteVolume, source: exact.source } : null,
    ...(annotation.warning ? { exactWarning: annotation.warning } : {}),
    deviationSigma: deviation,
    rhat,
    measured: summary.measured,
    measuredPerChain: summary.measuredPerChain,
    wallSeconds: result.wallSeconds,
    secondsPerUpdate: summary.secondsPerUpdate,
    ...(opts.saveConfigs ? { savedConfigs: summary.savedConfigs, saveDir: opts.saveConfigs.dir } : {}),
    interrupted: result.interrupted,
    machine: { platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };

  if (f.json) console.log(toJson(out));
  else console.log(table({ ...out, backend }, summary, exact?.values ?? {}, deviation));
  return result.interrupted ? 130 : 0;
}

function table(
  out: { spec: SamplerSpec; backend: string; chains: number; workers: number; wallSeconds: number; secondsPerUpdate: number; interrupted: boolean; acceptance: number; seed: string; measured: number },
  s: RunSummary,
  exact: Record<string, number>,
  dev: Record<string, number | null>,
): string {
  const sp = out.spec;
  const head = `${sp.sampler} ${sp.group}${sp.N ? `(N=${sp.N})` : ''} ${sp.dims}D L=${sp.L} β=${sp.beta}: ${out.chains} chains, ${out.measured} measurements, seed ${out.seed}${out.interrupted ? '  [INTERRUPTED]' : ''}`;
  const rows = [['observable', 'mean', '± err', 'exact', 'dev/σ', 'τ_int', '± δτ', 'ESS', 'R̂']];
  for (const [name, o] of Object.entries(s.observables)) {
    rows.push([name, fmt(o.mean, 6), fmtErr(o.err), name in exact ? fmt(exact[name], 6) : '', name in dev ? fmt(dev[name], 2) : '', fmt(o.tauInt, 3), fmtErr(o.tauIntErr), fmt(o.ess, 0), fmt(o.rhat, 4)]);
  }
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const lines = rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
  const flow = s.importanceEss !== undefined ? `   importance ESS ${fmt(s.importanceEss, 4)}, failed draws ${s.failedDraws ?? 0}, ${fmt(s.proposalsPerSecond ?? NaN, 0)} proposals/s` : '';
  const dh = s.expMinusDeltaH ? `   ⟨e^-ΔH⟩ = ${fmt(s.expMinusDeltaH.mean, 4)} ± ${fmtErr(s.expMinusDeltaH.err)}` : '';
  const warn = Object.entries(s.observables)
    .filter(([, o]) => o.warning)
    .map(([k, o]) => `warning (${k}): ${o.warning}`);
  return [
    head,
    ...lines,
    `acceptance ${fmt(out.acceptance, 4)}${dh}${flow}`,
    `wall ${fmt(out.wallSeconds, 2)} s, ${fmt(out.secondsPerUpdate * 1e3, 3)} ms per update, workers ${out.workers}, backend ${out.backend}`,
    ...warn,
  ].join('\n');
}
