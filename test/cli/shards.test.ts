/**
 * `gaugeflow propose` + `gaugeflow merge` against `gaugeflow sample --sampler flow`: the merged run
 * is bit-identical (estimates, errors, τ_int, R̂, acceptance, importance ESS) for M = 1, M = 3
 * (dividing the 9 batches) and M = 4 (not dividing them), with shard files byte-identical whoever
 * draws them (CLI with worker threads or in this process); re-running a shard leaves it alone; a
 * missing, duplicate, corrupt or mismatched shard is an error naming the file, and nothing is written.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gaugeFlowSpec } from '../../src/cli/flow-spec.ts';
import { runOutput, toJson } from '../../src/cli/run-output.ts';
import { mergeShards } from '../../src/shards/merge.ts';
import { comparable } from '../fixtures/run-json.ts';
import { existingShard, plannedHeader, proposeShard, shardPath, type ProposeOptions } from '../../src/shards/propose.ts';

const bin = fileURLToPath(new URL('../../bin/gaugeflow.mjs', import.meta.url));
const model = fileURLToPath(new URL('../../bench/models/u1-L8-b2-energy.model.json', import.meta.url));
const env = { ...process.env, CI: '1' };
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-shards-'));
// 3 chains × ⌈(8 + 40)/16⌉ = 3 batches: 9 batches in all
const run = { seed: 'sh', chains: 3, n: 40, therm: 8, batch: 16 };
const argsOf = (r: typeof run) => ['--model', model, '--seed', r.seed, '--chains', String(r.chains), '--n', String(r.n), '--therm', String(r.therm), '--batch', String(r.batch)];
const runArgs = argsOf(run);

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let reference: Record<string, unknown>;
let opts: ProposeOptions;

test('setup: the single-process run (sample --sampler flow)', async () => {
  const r = cli(['sample', '--sampler', 'flow', ...runArgs, '--json']);
  assert.is(r.code, 0, r.stderr);
  reference = JSON.parse(r.stdout);
  assert.is(reference.measured, run.chains * run.n);
  const { spec, backend } = await gaugeFlowSpec(model, { batch: run.batch });
  opts = { spec, model, seed: run.seed, chains: run.chains, nPerChain: run.n, therm: run.therm, measEvery: 1, wilsonLoops: [], shard: { index: 0, count: 1 }, outDir: '', saveConfigs: false, workers: 0, backend };
});

async function proposeAll(out: string, count: number): Promise<void> {
  mkdirSync(out, { recursive: true });
  for (let index = 0; index < count; index++) await proposeShard({ ...opts, shard: { index, count }, outDir: out });
}

function merged(out: string): Record<string, unknown> {
  const m = mergeShards(out);
  const h = m.header.run;
  const o = runOutput({ command: 'merge', backend: m.backends.join('+'), seed: h.seed, spec: m.spec, chains: h.chains, nPerChain: h.nPerChain, therm: h.therm, measEvery: h.measEvery, start: 'hot', wilsonLoops: h.wilsonLoops, result: m.result, model: m.header.model });
  return JSON.parse(toJson(o.out));
}

test('M = 3 through the CLI (one shard on 2 worker threads): merge prints the sample JSON bit for bit; the files are the ones this process draws', async () => {
  const out = join(dir, 'm3');
  for (let i = 0; i < 3; i++) {
    const r = cli(['propose', ...runArgs, '--shard', `${i}/3`, '--out', out, '--json', ...(i === 1 ? ['--workers', '2'] : [])]);
    assert.is(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.batches, { first: 3 * i, end: 3 * i + 3, count: 3, perChain: 3, total: 9 });
    assert.is(o.skipped, false);
  }
  const m = cli(['merge', out, '--json']);
  assert.is(m.code, 0, m.stderr);
  const o = JSON.parse(m.stdout);
  assert.equal(comparable(o), comparable(reference));
  assert.is(o.command, 'merge');
  assert.is(o.shards.count, 3);
  assert.is(o.shards.draws, 9 * run.batch);
  assert.ok(o.wallSeconds > 0 && o.proposalsPerSecond > 0 && o.observables.plaquette.essPerSecond > 0, 'times from the sidecars');
  assert.ok(o.shards.mergeSeconds >= 0);
  // the same shards drawn in this process (no workers) are the same bytes
  const here = join(dir, 'm3-here');
  await proposeAll(here, 3);
  for (const f of readdirSync(out).filter((x) => x.endsWith('.gfshard'))) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(here, f))), f);
  // re-running a complete shard draws nothing and leaves the file alone
  const f0 = shardPath(out, { index: 0, count: 3 });
  const before = statSync(f0).mtimeMs;
  const again = cli(['propose', ...runArgs, '--shard', '0/3', '--out', out]);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /already complete/);
  assert.is(statSync(f0).mtimeMs, before);
});

test('M = 1 and M = 4 (not dividing the 9 batches): merges bit-identical to sample', async () => {
  for (const count of [1, 4]) {
    const out = join(dir, `m${count}`);
    await proposeAll(out, count);
    assert.equal(comparable(merged(out)), comparable(reference), `M = ${count}`);
  }
});

test('propose: --force redraws the same bytes; another run at the path is refused; --save-configs keeps the configurations', async () => {
  const out = join(dir, 'm4');
  const p = shardPath(out, { index: 3, count: 4 });
  const bytes = readFileSync(p);
  await proposeShard({ ...opts, shard: { index: 3, count: 4 }, outDir: out });
  assert.ok(readFileSync(p).equals(bytes));
  assert.is(existingShard(p, plannedHeader({ ...opts, shard: { index: 3, count: 4 } })).state, 'same');
  const other = existingShard(p, plannedHeader({ ...opts, seed: 'other', shard: { index: 3, count: 4 } }));
  assert.equal(other, { state: 'different', reason: 'it is a shard of another run (its header differs)' });
  // configurations: a separate run (the header says so), and merge ignores them
  const cfg = join(dir, 'cfg');
  mkdirSync(cfg);
  await proposeShard({ ...opts, saveConfigs: true, outDir: cfg });
  const size = statSync(shardPath(cfg, { index: 0, count: 1 })).size;
  assert.ok(size > 9 * run.batch * 128 * 8, `${size} bytes`);
  assert.equal(comparable(merged(cfg)), comparable(reference));
});

test('merge: missing, duplicate, corrupt and mismatched shards are errors naming the file; nothing is written', async () => {
  const src = join(dir, 'm3-here');
  const fresh = (name: string) => {
    const d = join(dir, name);
    mkdirSync(d);
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(d, f));
    return d;
  };
  const expectError = (d: string, re: RegExp, file?: string) => {
    try {
      mergeShards(d);
      assert.unreachable('merge should fail');
    } catch (e) {
      assert.match((e as Error).message, re);
      if (file) assert.ok((e as Error).message.includes(file), (e as Error).message);
    }
  };
  const missing = fresh('missing');
  renameSync(join(missing, 'shard-0001-of-0003.gfshard'), join(missing, 'moved-away'));
  expectError(missing, /1 of 3 shards missing .*: 1 \(shard-0001-of-0003\.gfshard\)/);
  const dup = fresh('dup');
  copyFileSync(join(dup, 'shard-0002-of-0003.gfshard'), join(dup, 'copy.gfshard'));
  expectError(dup, /shard 2\/3 appears twice/, 'copy.gfshard');
  const corrupt = fresh('corrupt');
  const c = join(corrupt, 'shard-0001-of-0003.gfshard');
  const b = readFileSync(c);
  b[b.byteLength - 200]! ^= 0x10;
  writeFileSync(c, b);
  expectError(corrupt, /checksum mismatch/, c);
  const split = fresh('split');
  copyFileSync(join(dir, 'm1', 'shard-0000-of-0001.gfshard'), join(split, 'shard-0000-of-0001.gfshard'));
  expectError(split, /shards of different splits/, 'shard-0000-of-0001.gfshard');
  const other = fresh('other');
  await proposeShard({ ...opts, seed: 'another', shard: { index: 0, count: 9 }, outDir: other });
  expectError(other, /belongs to another run .*run\.seed: "another" vs "sh"|run\.seed: "sh" vs "another"/, 'shard-0000-of-0009.gfshard');
  expectError(join(dir, 'nothing-here'), /is not a directory/);
  // through the CLI: exit 1, the file named, nothing written in the directory
  const listing = readdirSync(corrupt).sort();
  const r = cli(['merge', corrupt, '--json']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /gaugeflow merge: shard file .*shard-0001-of-0003\.gfshard: checksum mismatch/);
  assert.is(r.stdout, '');
  assert.equal(readdirSync(corrupt).sort(), listing);
});

test('propose: SIGINT or SIGTERM mid-shard exits 130 / 143 and leaves no file, not even a temporary one', async () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const out = join(dir, `sig-${sig}`);
    const child = spawn(process.execPath, [bin, 'propose', ...argsOf({ ...run, n: 100_000 }), '--shard', '0/1', '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // drawing has started once the temporary file exists
    const t0 = performance.now();
    while (performance.now() - t0 < 60_000) {
      let files: string[] = [];
      try {
        files = readdirSync(out);
      } catch {
        /* not created yet */
      }
      if (files.some((f) => f.includes('.tmp-'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill(sig);
    assert.is(await exited, code, stderr);
    assert.match(stderr, /no shard written .*Run the same command again/);
    assert.equal(readdirSync(out), []);
  }
});

test('propose: usage errors exit 2 naming the flag', () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--model', model, '--out', dir], {}, /--shard is required/],
    [['--model', model, '--out', dir, '--shard', 'auto'], { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' }, /--shard auto: neither SLURM_ARRAY_TASK_ID/],
    [['--model', model, '--out', dir, '--shard', '4/4'], {}, /--shard 4\/4: need 0 ≤ i < M/],
  ];
  for (const [args, e, re] of cases) {
    const r = cli(['propose', ...args], e);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('SU(2) model: M = 2 shards (uneven) merge bit-identical to sample --sampler flow', () => {
  const su2 = join(dir, 'su2.json');
  const t = cli(['train', '--group', 'su2', '--L', '4', '--beta', '1', '--layers', '2', '--hidden', '4', '--steps', '2', '--batch', '8', '--eval-samples', '100', '--workers', '0', '--out', su2, '--json']);
  assert.is(t.code, 0, t.stderr);
  // 2 chains × ⌈(10 + 40)/16⌉ = 4 batches each: 8 batches over 3 shards
  const args = ['--model', su2, '--seed', '5', '--chains', '2', '--n', '40', '--therm', '10', '--batch', '16'];
  const out = join(dir, 'su2-m3');
  for (let i = 0; i < 3; i++) {
    const r = cli(['propose', ...args, '--shard', `${i}/3`, '--out', out, '--json']);
    assert.is(r.code, 0, r.stderr);
  }
  const m = cli(['merge', out, '--json']);
  assert.is(m.code, 0, m.stderr);
  const s = cli(['sample', '--sampler', 'flow', ...args, '--json']);
  assert.is(s.code, 0, s.stderr);
  const merged = JSON.parse(m.stdout);
  const single = JSON.parse(s.stdout);
  assert.is(merged.spec.group, 'su2');
  assert.equal(comparable(merged), comparable(single));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
