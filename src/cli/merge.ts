/**
 * `gaugeflow merge DIR`: check that the proposal shards in DIR form one complete run, pass every
 * chain over its draws in order and print what `sample --sampler flow` with the same model, seed,
 * chains, n, therm and batch prints: the same analysis (src/cli/run-output.ts), bit-identical
 * estimates, errors and acceptance (src/shards/merge.ts). Writes nothing.
 */
import { flagHelp, parseFlags, splitPositional, UsageError, type FlagSpecs } from './args.ts';
import { runOutput, runTable, toJson } from './run-output.ts';
import { checkMemory, maxMemoryFlag } from './preflight.ts';
import { mergeMemory, mergeShards } from '../shards/merge.ts';

const specs = {
  'max-memory': maxMemoryFlag,
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
  help: { type: 'boolean', help: 'this text' },
} satisfies FlagSpecs;

const HELP = `usage: gaugeflow merge DIR [--json] [--max-memory SIZE]

Reads the shard files (*.gfshard) that \`gaugeflow propose\` wrote to DIR, checks that they are the M
shards of one run (same header, every shard and so every batch exactly once, checksums right), runs
the Metropolis accept/reject pass of every chain over its batches in order, and prints the same
analysis as \`gaugeflow sample --sampler flow\`: for the same model, seed, chains, n, therm, batch
(and backend) the estimates, errors, τ_int, R̂ and acceptance are bit-identical.

Times: wallSeconds and proposalsPerSecond refer to generation, summed over the shards (so proposals
per second is per process), from the shards' .timing.json sidecars (null if one is missing);
shards.mergeSeconds is the merge itself. A missing, duplicate, corrupt or mismatched shard is an error
naming the file (exit 1); nothing is written. The memory the pass holds (every chain's measurements)
is estimated from the shard headers before it starts; a merge that does not fit is refused (exit 2)
unless --max-memory allows it. Ctrl-C stops it at once (it writes nothing: run it again).
Exact values are an annotation, as for sample: at most a few seconds, null with a warning otherwise.

exit codes: 0 done, 1 error, 2 bad usage, 130 interrupted

flags:
${flagHelp(specs)}`;

export async function run(argv: string[]): Promise<number> {
  const { positional, flags } = splitPositional(argv, specs);
  const f = parseFlags(flags, specs);
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'the shard directory is required: gaugeflow merge DIR' : `one directory expected, got ${positional.join(' ')}`);
  const dir = positional[0]!;
  let memoryEstimate = 0;
  // the memory the pass will hold is checked once the shard headers are read, before it allocates
  const m = mergeShards(dir, {
    beforePass: (header) => {
      const mem = mergeMemory(header);
      checkMemory({ ...mem, reduce: 'the run (fewer chains or --n in propose)' }, f['max-memory']);
      memoryEstimate = mem.total;
    },
  });
  const run = m.header.run;
  const report = runOutput({
    command: 'merge',
    backend: m.backends.join('+'),
    seed: run.seed,
    spec: m.spec,
    chains: run.chains,
    nPerChain: run.nPerChain,
    therm: run.therm,
    measEvery: run.measEvery,
    start: 'hot',
    wilsonLoops: run.wilsonLoops,
    result: m.result,
    model: m.header.model,
    memoryEstimate,
  });
  if (report.exactWarning) process.stderr.write(`gaugeflow merge: warning: ${report.exactWarning}\n`);
  const out = {
    ...report.out,
    shards: {
      dir,
      count: m.files.length,
      files: m.files,
      draws: m.draws,
      modelSha256: run.modelSha256,
      generationSeconds: m.generationSeconds,
      mergeSeconds: m.mergeSeconds,
    },
  };
  console.log(
    f.json
      ? toJson(out)
      : `${runTable(report)}\nmerged ${m.files.length} shards of ${dir} (${m.draws} draws) in ${m.mergeSeconds.toFixed(3)} s` +
          (m.generationSeconds === null ? '; generation times unknown (timing sidecars missing)' : `; generation ${m.generationSeconds.toFixed(2)} process-seconds`),
  );
  return 0;
}
