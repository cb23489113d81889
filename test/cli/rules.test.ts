/**
 * The CLI rules of issue 9 ("What is never lost or overwritten" in the README) for the commands that
 * came with the sharded, report and benchmark work: propose, merge, showcase, bench freezing, and
 * train's final evaluation. Spawned as a user runs them, with tiny sizes; each case fails on the code
 * before the rule was applied.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin, cli, cliEnv as env } from '../fixtures/cli.ts';

const model = fileURLToPath(new URL('../../bench/models/u1-L8-b2-energy.model.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-rules-'));

/**
 * Spawn, wait until `ready()` holds (polled on the output so far), then send `signals` 150 ms apart;
 * resolves with the exit code and the output. Fails after 60 s.
 */
function interrupted(args: string[], ready: (out: { stdout: string; stderr: string }) => boolean, signals: NodeJS.Signals[] = ['SIGINT']) {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 60 s; stderr: ${out.stderr}`));
    }, 60_000);
    const poll = setInterval(() => {
      if (!ready(out)) return;
      clearInterval(poll);
      signals.forEach((s, i) => setTimeout(() => child.kill(s), 200 + 150 * i));
    }, 50);
    child.on('close', (code) => {
      clearTimeout(killer);
      clearInterval(poll);
      resolve({ code, ...out });
    });
  });
}

const shardRun = ['--model', model, '--seed', 'r', '--chains', '1', '--n', '6', '--therm', '0', '--batch', '4'];

test('propose: --out checked before the model is loaded; memory refused before anything is drawn or created', () => {
  const file = join(dir, 'afile');
  writeFileSync(file, 'x');
  const onFile = cli(['propose', ...shardRun, '--shard', '0/1', '--out', file]);
  assert.is(onFile.code, 2, onFile.stderr);
  assert.match(onFile.stderr, /--out .*afile exists and is a file, not a directory/);
  const under = cli(['propose', ...shardRun, '--shard', '0/1', '--out', join(file, 'sub')]);
  assert.is(under.code, 2, under.stderr);
  const out = join(dir, 'never-made', 'shards');
  const mem = cli(['propose', ...shardRun, '--shard', '0/1', '--out', out, '--save-configs', '--max-memory', '64K']);
  assert.is(mem.code, 2, mem.stderr);
  assert.match(mem.stderr, /this run needs ≈ [\d.]+ [KM]iB \(1 batch of 4 draws being drawn .* configurations included\)\), more than --max-memory 64K .*; reduce --batch or --workers \(or drop --save-configs\)/);
  assert.not.ok(existsSync(join(dir, 'never-made')), 'nothing created for a refused run');
});

test('merge: the memory of the pass is estimated from the shard headers and refused over --max-memory', () => {
  const out = join(dir, 'shards');
  const p = cli(['propose', ...shardRun, '--shard', '0/1', '--out', out, '--json']);
  assert.is(p.code, 0, p.stderr);
  assert.ok(JSON.parse(p.stdout).memoryEstimate > 0);
  const refused = cli(['merge', out, '--max-memory', '100']);
  assert.is(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /gaugeflow merge: this run needs ≈ \d+ B \(measurements .* per chain × 1 chain \+ one record of 4 draws .*\), more than --max-memory 100/);
  assert.is(refused.stdout, '');
  const ok = cli(['merge', out, '--json']);
  assert.is(ok.code, 0, ok.stderr);
  const o = JSON.parse(ok.stdout);
  assert.ok(o.memoryEstimate > 0 && o.memoryEstimate < 64 * 1024, String(o.memoryEstimate));
  assert.is(o.measured, 6);
});

test('train: Ctrl-C during the final evaluation says the model is saved and exits 130', async () => {
  const out = join(dir, 'evaluated.json');
  const args = ['train', '--L', '4', '--beta', '1', '--layers', '2', '--hidden', '4', '--steps', '1', '--batch', '8', '--workers', '0', '--eval-samples', '5000000', '--out', out, '--json'];
  const r = await interrupted(args, () => existsSync(out)); // the model is written just before the evaluation
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted during the final evaluation; the model is saved to .*evaluated\.json/);
  const o = JSON.parse(r.stdout);
  assert.is(o.interrupted, true);
  assert.is(o.evaluation, 'interrupted');
  assert.is(o.model, out);
  assert.is(JSON.parse(readFileSync(out, 'utf8')).history.steps, 1);
  assert.not.ok(existsSync(`${out}.checkpoint.json`));
});

test('showcase: a second Ctrl-C quits at once', async () => {
  const run = join(dir, 'showcase');
  const args = ['showcase', '--minutes', '0.01', '--seconds', '30', '--workers', '0', '--eval-samples', '200', '--dir', run];
  const r = await interrupted(args, (o) => /2a\. Sampling with HMC/.test(o.stdout), ['SIGINT', 'SIGINT']);
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, /gaugeflow showcase: interrupted — stopping the chains; what was measured is still reported/);
  assert.match(r.stderr, /gaugeflow showcase: interrupted again — quitting now/);
  assert.ok(existsSync(join(run, 'model.json')), 'the trained model stays');
});

test('bench freezing: flags, --out-dir and memory checked before any work; Ctrl-C keeps the result', async () => {
  const base = ['bench', 'freezing', '--beta', '1', '--seconds', '20', '--train-minutes', '0.02', '--chains', '1', '--workers', '0'];
  const cases: [string[], RegExp][] = [
    [['--transfer', 'none', '--finetune-minutes', '1'], /--finetune-minutes applies to --transfer L/],
    [['--out-dir', join(dir, 'afile')], /--out-dir .*afile exists and is a file, not a directory/],
    [['--L', '4096', '--max-memory', '1G'], /this run needs ≈ [\d.]+ [GT]iB \(at L = 4096: .*\), more than --max-memory 1G/],
  ];
  for (const [args, re] of cases) {
    const r = cli([...base, ...args, ...(args.includes('--L') ? [] : ['--L', '4']), ...(args.includes('--out-dir') ? [] : ['--out-dir', join(dir, 'fz-refused')])]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.not.ok(existsSync(join(dir, 'fz-refused')));
  const out = join(dir, 'fz');
  const r = await interrupted([...base, '--L', '4', '--out-dir', out], (o) => /HMC: tuning/.test(o.stderr));
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, /gaugeflow bench freezing: interrupted — stopping the current run; everything measured so far is kept/);
  const result = JSON.parse(readFileSync(join(out, 'freezing.json'), 'utf8'));
  assert.is(result.interrupted, true);
  assert.ok(readdirSync(out).includes('freezing-state.json'));
  // a result without its state is never overwritten silently
  rmSync(join(out, 'freezing-state.json'));
  const again = cli([...base, '--L', '4', '--out-dir', out]);
  assert.is(again.code, 2, again.stderr);
  assert.match(again.stderr, /holds a freezing result .* but no state to resume; pass --force/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
