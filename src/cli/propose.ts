/**
 * `gaugeflow propose`: draw the proposal batches of one shard of a flow run and write them, as
 * log-weights and observables (configurations with --save-configs), to one shard file in --out.
 * `gaugeflow merge` turns a directory of complete shards into the run `sample --sampler flow` would
 * have printed (src/shards/).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { flagHelp, parseFlags, UsageError, type FlagSpecs } from './args.ts';
import { gaugeFlowSpec, type FlowSpecFlags } from './flow-spec.ts';
import { checkOutputPath } from './output-file.ts';
import { toJson } from './run-output.ts';
import { parseWilsonLoops } from '../../samplers/observables.ts';
import { resolveShard } from '../shards/layout.ts';
import { existingShard, plannedHeader, proposeShard, shardPath, type ProposeOptions } from '../shards/propose.ts';
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
that path is an error unless --force. The file appears only when complete; Ctrl-C (or SIGTERM from a
scheduler) leaves no file behind: run the same command again.

exit codes: 0 done, 1 error, 2 bad usage, 130 interrupted (143 on SIGTERM)

flags:
${flagHelp(specs)}`;

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
  const flags: FlowSpecFlags = { batch: f.batch! };
  if (f.L !== undefined) flags.L = f.L;
  if (f.beta !== undefined) flags.beta = f.beta;
  const { spec, backend } = await gaugeFlowSpec(f.model!, flags);

  const outDir = resolve(f.out!);
  try {
    mkdirSync(outDir, { recursive: true }); // every task of an array may race here: recursive mkdir is safe
  } catch (e) {
    throw new UsageError(`--out ${f.out}: cannot create the directory (${(e as Error).message})`);
  }
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
    saveConfigs: f['save-configs'] === true,
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
  checkOutputPath(path, { force: true, flag: '--out', inputs: [f.model] });
  const { first, end } = header.batches;
  const summary = {
    command: 'propose',
    file: path,
    shard: `${shard.index}/${shard.count}`,
    shardFrom: shard.source,
    batches: { first, end, count: end - first, perChain: header.run.batchesPerChain, total: header.run.totalBatches },
    draws: (end - first) * spec.batch!,
    bytes: shardFileBytes(header),
    backend,
  };
  const state = existingShard(path, header);
  if (state.state === 'same' && !f.force) {
    const out = { ...summary, skipped: true, reason: 'the shard is already complete (same run, checksum right)' };
    console.log(f.json ? toJson(out) : `propose: ${path} is already complete (shard ${summary.shard}); nothing to do`);
    return 0;
  }
  if (state.state === 'different' && !f.force) throw new UsageError(`--out: ${path} exists and is not this shard (${state.reason}); pass --force to replace it`);

  const controller = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) process.exit(sig === 'SIGTERM' ? 143 : 130); // a second signal means "now"
    signalled = sig;
    process.stderr.write(`\ngaugeflow propose: ${sig} — stopping after the current batch; shard ${summary.shard} will not be written\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  opts.signal = controller.signal;
  let r;
  try {
    r = await proposeShard(opts, header);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (r.interrupted) {
    console.error(`gaugeflow propose: interrupted — no shard written (a shard is all or nothing; ${path} is ${state.state === 'absent' ? 'still absent' : 'unchanged'}). Run the same command again.`);
    return signalled === 'SIGTERM' ? 143 : 130;
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
