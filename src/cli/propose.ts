/**
 * `gaugeflow propose`: draw the proposal batches of one shard of a flow run and write them, as
 * log-weights and observables (configurations with --save-configs), to one shard file in --out.
 * `gaugeflow merge` turns a directory of complete shards into the run `sample --sampler flow` would
 * have printed (src/shards/).
 */
import { resolve } from 'node:path';
import { flagHelp, parseFlags, UsageError, type FlagSpecs } from './args.ts';
import { gaugeFlowSpec, type FlowSpecFlags } from './flow-spec.ts';
import { onInterrupt } from './interrupt.ts';
import { checkOutputDir, checkOutputPath } from './output-file.ts';
import { checkMemory, maxMemoryFlag } from './preflight.ts';
import { toJson } from './run-output.ts';
import { parseWilsonLoops, validateWilsonLoops } from '../../samplers/observables.ts';
import { resolveShard } from '../shards/layout.ts';
import { existingShard, plannedHeader, proposeMemory, proposeShard, shardPath, timingPath, type ProposeOptions } from '../shards/propose.ts';
import { shardFileBytes } from '../shards/file.ts';

const specs = {
  model: { type: 'string', help: 'the model file from `gaugeflow train` (required)' },
  shard: { type: 'string', help: "i/M (shard i of M, 0 ≤ i < M) or auto (from SLURM_ARRAY_TASK_ID/_COUNT, or JOB_COMPLETION_INDEX with --shards) (required)" },
  shards: { type: 'int', min: 1, help: 'number of shards M (needed with --shard auto in a Kubernetes Indexed Job)' },
  out: { type: 'string', help: 'directory for the shard files (created if missing; shared by all shards) (required)' },
  seed: { type: 'string', default: '1', help: 'random seed (any string): as for sample' },
  chains: { type: 'int', default: 4, min: 1, help: 'independent chains: as for sample' },
  n: { type: 'int', default: 1000, min: 1, help: 'measured configurations PER CHAIN: as for sample' },
  therm: { type: 'int', default: 200, min: 0, help: 'thermalisation draws per chain: as for sample' },
  'meas-every': { type: 'int', default: 1, min: 1, help: 'draws between measurements: as for sample' },
  batch: { type: 'int', min: 1, default: 256, help: 'proposal draws per batch (with the seed, fixes the chain): as for sample' },
  L: { type: 'int', min: 2, help: 'lattice extent [the L the model was trained at]' },
  beta: { type: 'number', min: 0, help: "Wilson coupling β [the model's]" },
  'wilson-loops': { type: 'string', help: "also measure Wilson loops, e.g. '1x1,2x2'" },
  'save-configs': { type: 'boolean', help: 'also store every drawn configuration in the shard (n·V·d doubles per batch)' },
  workers: { type: 'int', default: 0, min: 0, help: 'worker threads drawing batches; 0 or 1 = in this thread (file identical)' },
  force: { type: 'boolean', help: 'draw and replace the shard file even if it exists' },
  'max-memory': maxMemoryFlag,
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
  help: { type: 'boolean', help: 'this text' },
} satisfies FlagSpecs;

const HELP = `usage: gaugeflow propose --model m.json --shard i/M|auto --out DIR [flags]

Draws the proposal batches of shard i of M of the flow run that
  gaugeflow sample --sampler flow --model m.json --seed S --chains K --n N --therm T --batch B
would make, and writes their log-weights log p − log q and observables (and, with --save-configs,
the configurations) to DIR/shard-<i>-of-<M>.gfshard. The K·⌈(T + N·meas-every)/B⌉ batches, numbered
g = b·K + k (batch b of chain k), are split into M contiguous ranges, shard i taking
[⌊i·total/M⌋, ⌊(i+1)·total/M⌋). Every batch depends on (seed, chain, batch) only, so the shard is
the same file wherever and whenever it is drawn. Once all M shards are in DIR, \`gaugeflow merge DIR\`
prints what sample would have printed.

An existing complete shard of the same run is left alone (exit 0, nothing drawn); anything else at
that path is an error unless --force. --out is checked before the model is loaded, and the memory
drawing needs (batches in flight, and the configurations with --save-configs) before anything is
drawn: a shard that does not fit is refused (exit 2) unless --max-memory allows it. The file appears
only when complete; Ctrl-C (or SIGTERM from a scheduler) stops after the current batch and leaves no
file behind: run the same command again. A second signal quits at once.

exit codes: 0 done, 1 error, 2 bad usage, 130 interrupted (143 on SIGTERM)

flags:
${flagHelp(specs)}`;

/** The files propose writes into --out: shards, their timing sidecars, and their temporary files. */
const SHARD_FILES = /\.gfshard$|\.timing\.json$/;

export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, specs);
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  for (const k of ['model', 'shard', 'out'] as const) if (f[k] === undefined) throw new UsageError(`--${k} is required (see gaugeflow propose --help)`);
  const shard = resolveShard(f.shard!, f.shards);
  let wilsonLoops;
  try {
    wilsonLoops = parseWilsonLoops(f['wilson-loops'] ?? '');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // --out first, before the model and TensorFlow.js are loaded: a directory the shards of one run
  // share (so a non-empty one is fine); missing, it is created once every check has passed.
  const outDirCheck = checkOutputDir(f.out!, { flag: '--out', shared: true, owned: SHARD_FILES, inputs: [f.model] });
  const flags: FlowSpecFlags = { batch: f.batch! };
  if (f.L !== undefined) flags.L = f.L;
  if (f.beta !== undefined) flags.beta = f.beta;
  const { spec, backend } = await gaugeFlowSpec(f.model!, flags);
  try {
    // extents only: building the lattice would allocate before the memory check
    validateWilsonLoops({ extents: new Array<number>(spec.dims).fill(spec.L) }, wilsonLoops);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const saveConfigs = f['save-configs'] === true;
  const observables = 1 + (spec.group === 'u1' && spec.dims === 2 ? 2 : 0) + wilsonLoops.length;
  const mem = proposeMemory(spec, { workers: f.workers!, saveConfigs, observables });
  checkMemory({ ...mem, reduce: `--batch or --workers${saveConfigs ? ' (or drop --save-configs)' : ''}` }, f['max-memory']);

  const outDir = resolve(f.out!);
  outDirCheck.prepare();
  const opts: ProposeOptions = {
    spec,
    model: f.model!,
    seed: f.seed!,
    chains: f.chains!,
    nPerChain: f.n!,
    therm: f.therm!,
    measEvery: f['meas-every']!,
    wilsonLoops,
    shard,
    outDir,
    saveConfigs,
    workers: f.workers!,
    backend,
  };
  let header;
  try {
    header = plannedHeader(opts);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const path = shardPath(outDir, shard);
  // --force here only lets the checks pass: whether the file there is this shard is decided below
  checkOutputPath(path, { force: true, flag: '--out', inputs: [f.model] });
  checkOutputPath(timingPath(path), { force: true, flag: '--out', inputs: [f.model] });
  const { first, end } = header.batches;
  const summary = {
    command: 'propose',
    file: path,
    shard: `${shard.index}/${shard.count}`,
    shardFrom: shard.source,
    batches: { first, end, count: end - first, perChain: header.run.batchesPerChain, total: header.run.totalBatches },
    draws: (end - first) * spec.batch!,
    bytes: shardFileBytes(header),
    memoryEstimate: mem.total,
    backend,
  };
  const state = existingShard(path, header);
  if (state.state === 'same' && !f.force) {
    const out = { ...summary, skipped: true, reason: 'the shard is already complete (same run, checksum right)' };
    console.log(f.json ? toJson(out) : `propose: ${path} is already complete (shard ${summary.shard}); nothing to do`);
    return 0;
  }
  if (state.state === 'different' && !f.force) throw new UsageError(`--out: ${path} exists and is not this shard (${state.reason}); pass --force to replace it`);

  // SIGTERM too: a scheduler's cancel or time limit stops the shard the same way (exit 143)
  const interrupt = onInterrupt('propose', `stopping after the current batch; shard ${summary.shard} will not be written`, { sigterm: true });
  opts.signal = interrupt.signal;
  let r;
  try {
    r = await proposeShard(opts, header);
  } finally {
    interrupt.close();
  }
  if (r.interrupted) {
    console.error(`gaugeflow propose: interrupted — no shard written (a shard is all or nothing; ${path} is ${state.state === 'absent' ? 'still absent' : 'unchanged'}). Run the same command again.`);
    return interrupt.exitCode;
  }
  const t = r.timing;
  const out = { ...summary, skipped: false, wallSeconds: t.wallSeconds, proposalsPerSecond: t.proposals / t.wallSeconds, workers: f.workers! };
  console.log(
    f.json
      ? toJson(out)
      : `propose: shard ${summary.shard} (batches ${first}..${end - 1} of ${summary.batches.total}, ${summary.draws} draws) → ${path}\n` +
          `${t.wallSeconds.toFixed(2)} s, ${(t.proposals / t.wallSeconds).toFixed(0)} proposals/s, ${(summary.bytes / 2 ** 20).toFixed(2)} MiB, backend ${backend}`,
  );
  return 0;
}
