/**
 * `gaugeflow sample`: K chains of a baseline sampler (HMC or heat bath + over-relaxation), Γ-method
 * analysis of plaquette / Q / Q² (2D U(1)) / Wilson loops, compared with the exact results where
 * the theory is solved. The samplers are plain TypeScript, so TensorFlow.js is not loaded.
 */
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
import { gaugeFlowSpec, type FlowSpecFlags } from './flow-spec.ts';
import { runOutput, runTable, toJson } from './run-output.ts';

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
  'run-dir': { type: 'string', help: 'also write what `gaugeflow report` needs (histories, autocorrelations, result) to this directory' },
  force: { type: 'boolean', help: 'with --save-configs: use a non-empty directory, replacing the configurations of the earlier run; with --run-dir: overwrite this run\'s record' },
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
and analyses what was measured (interrupted: true, exit code 130; SIGTERM from a batch scheduler
or kill: the same, exit code 143). The memory a run holds is estimated before anything is
allocated; a run that does not fit is refused (exit 2) unless --max-memory allows it. Exact
values are an annotation: computed in at most a few seconds, and reported as null (with a
warning) when they cannot be.

exit codes: 0 done, 1 error, 2 bad usage, 130 interrupted (143 on SIGTERM)

flags:
${flagHelp(specs)}`;

const BACKEND = 'none (plain TS)';

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
  appliesOnly(f, ['save-every'], f['save-configs'] !== undefined, '--save-configs');
  appliesOnly(f, ['force'], f['save-configs'] !== undefined || f['run-dir'] !== undefined, '--save-configs or --run-dir');
  appliesOnly(f, ['N'], f.group === 'suN' && !isFlow, '--group suN');
  let spec: SamplerSpec;
  let backend = BACKEND;
  if (isFlow) {
    const flags: FlowSpecFlags = { batch: f.batch! };
    if (given.has('group')) flags.group = f.group!;
    if (f.dims !== undefined) flags.dims = f.dims;
    if (f.L !== undefined) flags.L = f.L;
    if (f.beta !== undefined) flags.beta = f.beta;
    ({ spec, backend } = await gaugeFlowSpec(f.model!, flags)); // loads the backend; worker threads pin the same choice
  } else {
    spec = { sampler: f.sampler as SamplerSpec['sampler'], group: f.group as SamplerSpec['group'], dims: f.dims ?? 2, L: f.L ?? 8, beta: f.beta ?? 2 };
    if (f.N !== undefined) spec.N = f.N;
    if (spec.sampler === 'hmc') {
      spec.trajLength = f['traj-length']!;
      spec.mdSteps = f['md-steps']!;
      spec.integrator = f.integrator as 'leapfrog' | 'omelyan';
    } else if (spec.sampler === 'heatbath') spec.orSteps = f['or-steps']!;
    try {
      validateSpec(spec);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
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

  const runDir = f['run-dir'] ? await import('../report/run-dir.ts') : null;
  runDir?.prepareRunDir(f['run-dir']!, [runDir.chainsRecordName(spec.sampler, spec.L, spec.beta)], { force: f.force, inputs: [f.model] });

  const interrupt = onInterrupt('sample', 'stopping chains at the next update', { sigterm: true });
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
  const report = runOutput({
    command: 'sample',
    backend,
    seed: f.seed!,
    spec,
    chains: opts.chains,
    nPerChain: opts.nPerChain,
    therm: opts.therm,
    measEvery: opts.measEvery!,
    start: opts.start!,
    wilsonLoops,
    result,
    memoryEstimate: mem.total,
    exactBudgetMs: result.interrupted ? 1000 : undefined, // after Ctrl-C: be quick
    ...(isFlow ? { model: f.model! } : {}),
    ...(opts.saveConfigs ? { saveDir: opts.saveConfigs.dir } : {}),
  });
  if (result.interrupted && report.summary.measured === 0) process.stderr.write('gaugeflow sample: interrupted during set-up: nothing was measured\n');
  if (report.exactWarning) process.stderr.write(`gaugeflow sample: warning: ${report.exactWarning}\n`);
  if (runDir) {
    const path = await runDir.writeChainsRun(f['run-dir']!, { spec, run: result, summary: report.summary, exact: Object.keys(report.exact).length ? report.exact : null, deviationSigma: report.deviation });
    process.stderr.write(`gaugeflow sample: run record written to ${path}\n`);
  }
  console.log(f.json ? toJson(report.out) : runTable(report));
  return result.interrupted ? interrupt.exitCode : 0;
}

