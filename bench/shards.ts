/**
 * Sharded proposal generation against the single process, and the cost of the merge.
 * Usage: npx tsx bench/shards.ts [--chains 4] [--n 1000] [--therm 24] [--batch 64] [--shards 4]
 *          [--merge-draws 1000000] [--model bench/models/u1-L8-b2-energy.model.json]
 *   → one JSON object on stdout.
 *
 * - throughput: the same flow run (model, seed, chains, n, therm, batch) as
 *   (a) one `gaugeflow sample --sampler flow --workers <cpus>` process, and
 *   (b) `--shards` `gaugeflow propose` processes, <cpus> at a time (as a SLURM array on a node with
 *       that many CPUs), followed by `gaugeflow merge`;
 *   so both keep every core busy. Reported: end-to-end wall seconds and proposals per second (process
 *   start-up, model load and merge included), and generation-only proposals per second (the runner's
 *   wall time in (a), the sum of the shards' wall times over the cores in (b)). The merged JSON is
 *   checked bit-identical to (a) (times aside).
 * - merge: `--merge-draws` synthetic draws (random log-weights and observables, 4 chains, batch 256,
 *   3 observables) written as 4 shard files, then the merge (checksums + the chains' pass) and the
 *   analysis (Γ-method, R̂) timed separately; seconds per million draws and bytes per draw.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRng } from '../lattices/random.ts';
import { runOutput } from '../src/cli/run-output.ts';
import { makeHeader, ShardWriter } from '../src/shards/file.ts';
import { shardFileName, shardRange } from '../src/shards/layout.ts';
import { mergeShards } from '../src/shards/merge.ts';
import { summariseRun } from '../samplers/runner_analysis.ts';
import { flowBatchesPerChain } from '../samplers/runner_flow.ts';
import { comparable } from '../test/fixtures/run-json.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const root = fileURLToPath(new URL('../', import.meta.url));
const bin = join(root, 'bin/gaugeflow.mjs');
const model = arg('model', join(root, 'bench/models/u1-L8-b2-energy.model.json'));
const chains = Number(arg('chains', '4'));
const n = Number(arg('n', '1000'));
const therm = Number(arg('therm', '24'));
const batch = Number(arg('batch', '64'));
const shards = Number(arg('shards', '4'));
const mergeDraws = Number(arg('merge-draws', '1000000'));
const cores = cpus().length;
const seed = 'bench-shards';
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-bench-shards-'));

function gaugeflow(args: string[]): Promise<{ stdout: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve({ stdout, seconds: (performance.now() - t0) / 1000 }) : reject(new Error(`gaugeflow ${args[0]} exited ${code}: ${stderr}`))));
  });
}

const runArgs = ['--model', model, '--seed', seed, '--chains', String(chains), '--n', String(n), '--therm', String(therm), '--batch', String(batch)];
const draws = chains * flowBatchesPerChain(therm, n, 1, batch) * batch;

// (a) one process, every core
const single = await gaugeflow(['sample', '--sampler', 'flow', ...runArgs, '--workers', String(cores), '--json']);
const a = JSON.parse(single.stdout);

// (b) the shards, `cores` processes at a time, then the merge
const out = join(dir, 'shards');
const t0 = performance.now();
let next = 0;
const shardSeconds: number[] = [];
await Promise.all(
  Array.from({ length: Math.min(cores, shards) }, async () => {
    while (next < shards) {
      const i = next++;
      const r = await gaugeflow(['propose', ...runArgs, '--shard', `${i}/${shards}`, '--out', out, '--json']);
      shardSeconds[i] = JSON.parse(r.stdout).wallSeconds;
    }
  }),
);
const generated = (performance.now() - t0) / 1000;
const merge = await gaugeflow(['merge', out, '--json']);
const b = JSON.parse(merge.stdout);
const identical = JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
const shardedWall = generated + merge.seconds;

// merge cost on synthetic shards of `mergeDraws` draws
const K = 4;
const B = 256;
const observables = ['plaquette', 'Q', 'Q2'];
const nPerChain = Math.ceil(mergeDraws / K);
const perChain = flowBatchesPerChain(0, nPerChain, 1, B);
const synth = join(dir, 'synthetic');
mkdirSync(synth);
const runHeader = {
  seed: 'synthetic',
  chains: K,
  nPerChain,
  therm: 0,
  measEvery: 1,
  spec: { sampler: 'flow' as const, group: 'u1' as const, dims: 2, L: 8, beta: 2, batch: B },
  modelSha256: '0'.repeat(64),
  wilsonLoops: [] as [number, number][],
  observables,
  batchesPerChain: perChain,
  totalBatches: K * perChain,
  configValues: 0,
};
let bytes = 0;
for (let index = 0; index < 4; index++) {
  const shard = { index, count: 4 };
  const h = makeHeader({ run: runHeader, shard, batches: shardRange(K * perChain, shard), backend: 'synthetic', model: 'synthetic', proposal: { module: 'synthetic', options: {} } });
  const path = join(synth, shardFileName(shard));
  const w = new ShardWriter(path, h);
  for (let g = h.batches.first; g < h.batches.end; g++) {
    const rng = makeRng('synthetic', g);
    const logw = Float64Array.from({ length: B }, () => 2 * (rng() - 0.5));
    const obs = Float64Array.from({ length: 3 * B }, (_, j) => (j % 3 === 0 ? rng() : Math.round(4 * (rng() - 0.5))));
    w.writeBatch({ logw, obs, drawSeconds: 0 });
  }
  w.commit();
  bytes += statSync(path).size;
}
const tm = performance.now();
const m = mergeShards(synth);
const mergeSeconds = (performance.now() - tm) / 1000;
const ta = performance.now();
summariseRun(m.result);
const analysisSeconds = (performance.now() - ta) / 1000;
const tr = performance.now();
runOutput({ command: 'merge', backend: 'synthetic', seed: 'synthetic', spec: m.spec, chains: K, nPerChain, therm: 0, measEvery: 1, start: 'hot', wilsonLoops: [], result: m.result });
const outputSeconds = (performance.now() - tr) / 1000;
const perMillion = 1e6 / m.draws;
rmSync(dir, { recursive: true, force: true });

const generationPerSecond = {
  single: a.proposalsPerSecond as number,
  // shards run `cores` at a time: total draws over (Σ shard wall / cores)
  sharded: draws / (shardSeconds.reduce((s, x) => s + x, 0) / Math.min(cores, shards)),
};
console.log(
  JSON.stringify(
    {
      bench: 'shards',
      machine: { cpus: cores, model: cpus()[0]?.model, platform: platform(), release: release(), loadavg: loadavg() },
      backend: a.backend,
      run: { model: model.replace(root, ''), chains, n, therm, batch, draws, shards, concurrent: Math.min(cores, shards) },
      throughput: {
        singleProcess: { wallSeconds: single.seconds, proposalsPerSecond: draws / single.seconds, workers: cores },
        sharded: { wallSeconds: shardedWall, proposalsPerSecond: draws / shardedWall, generationSeconds: generated, mergeSeconds: merge.seconds, shardSeconds },
        ratioShardedOverSingle: single.seconds / shardedWall,
        generationOnly: { ...generationPerSecond, ratioShardedOverSingle: generationPerSecond.sharded / generationPerSecond.single },
        mergedBitIdentical: identical,
      },
      merge: {
        draws: m.draws,
        shardBytes: bytes,
        bytesPerDraw: bytes / m.draws,
        mergeSecondsPerMillion: mergeSeconds * perMillion,
        analysisSecondsPerMillion: analysisSeconds * perMillion,
        fullOutputSecondsPerMillion: outputSeconds * perMillion,
        generationSecondsPerMillionOneCore: 1e6 / (generationPerSecond.sharded / Math.min(cores, shards)),
      },
    },
    null,
    2,
  ),
);
