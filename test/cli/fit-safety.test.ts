// Issue 9 for `gaugeflow fit` (and the same rules in train): outputs checked before any work,
// never overwritten without --force, never over an input; Ctrl-C keeps a checkpoint and prints the
// partial result; invalid numbers and flags that do not apply are usage errors (exit 2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFlow } from '../../src/flows/io.ts';
import { bin, captureMain, signalWhenWritten } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-fit-safety-'));

const capture = captureMain;

const quick = ['--manifold', 'torus2', '--target', 'rezende-correlated', '--eval-samples', '100', '--diag-points', '100', '--json'];

test('item 2: fit never overwrites an existing file without --force, nor its --data input even with --force', async () => {
  const existing = join(dir, 'existing.json');
  writeFileSync(existing, 'precious');
  const r = await capture(['fit', ...quick, '--steps', '1', '--out', existing]);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /--out .*existing\.json exists; pass --force to overwrite it/);
  assert.is(readFileSync(existing, 'utf8'), 'precious');
  const csv = join(dir, 'd.csv');
  writeFileSync(csv, 'lat,lon\n10,20\n30,40\n50,60\n-10,5\n20,-30\n40,100\n-60,20\n0,0\n5,5\n15,25\n');
  const same = await capture(['fit', '--data', csv, '--steps', '1', '--out', csv, '--force']);
  assert.is(same.code, 2, same.err);
  assert.match(same.err, /--out .*d\.csv is also an input of this command/);
  assert.ok(readFileSync(csv, 'utf8').startsWith('lat,lon'));
  const forced = await capture(['fit', ...quick, '--hidden', '4', '--steps', '1', '--out', existing, '--force']);
  assert.is(forced.code, 0, forced.err);
  assert.ok(await loadFlow(existing));
});

test('item 3: an unwritable --out is refused before training (exit 2, naming the user path)', async () => {
  const r = await capture(['fit', ...quick, '--steps', '30', '--out', '/missing/dir/m.json']);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /--out \/missing\/dir\/m\.json: directory \/missing\/dir does not exist/);
  assert.not.match(r.err, /\.tmp-/);
  assert.not.match(r.out, /ess/, 'no training happened');
  const train = await capture(['train', '--steps', '100000', '--out', '/missing/dir/m.json']);
  assert.is(train.code, 2);
  assert.match(train.err, /does not exist/);
});

test('item 6: Ctrl-C during fit saves <out>.checkpoint.json (not --out), prints the partial result, exit 130', async () => {
  const out = join(dir, 'interrupted.json');
  const child = spawn(process.execPath, [bin, 'fit', '--target', 'rezende-4mode', '--steps', '1000000', '--batch', '16', '--hidden', '8', '--out', out, '--json'], { env: { ...process.env, CI: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((r) => setTimeout(r, 6000)); // start-up (TensorFlow.js), then some steps
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.is(code, 130, stderr);
  assert.match(stderr, /interrupted after \d+ of 1000000 steps; weights saved to .*interrupted\.json\.checkpoint\.json \(not to .*interrupted\.json\)/);
  assert.not.ok(existsSync(out), '--out is written only when training finishes');
  const o = JSON.parse(stdout);
  assert.is(o.interrupted, true);
  assert.ok(o.stepsDone >= 1 && o.stepsDone < 1000000, String(o.stepsDone));
  assert.type(o.finalLoss, 'number');
  const flow = await loadFlow(`${out}.checkpoint.json`);
  assert.ok(flow.variables.length > 0);
  // the checkpoint, like --out, is not overwritten by the next run without --force
  const again = await capture(['fit', '--target', 'rezende-4mode', '--steps', '1', '--out', out]);
  assert.is(again.code, 2);
  assert.match(again.err, /checkpoint file .*checkpoint\.json exists; pass --force/);
});

test('item 6: fit --target saves the finished model before its evaluation (20 000 samples); Ctrl-C (or SIGTERM) there skips the evaluation (exit 130 / 143, the model kept)', async () => {
  for (const [sig, exit] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const out = join(dir, `target-model-${sig}.json`);
    const { code, stdout, stderr } = await signalWhenWritten(['fit', '--target', 'rezende-4mode', '--steps', '2', '--batch', '16', '--hidden', '8', '--out', out, '--json'], out, sig);
    assert.is(code, exit, stderr);
    assert.match(stderr, new RegExp(`${sig === 'SIGINT' ? 'interrupted' : 'SIGTERM'} — skipping the evaluation; the model is saved to .*target-model-${sig}\\.json`));
    assert.match(stderr, /interrupted during the evaluation, after training; the model is saved to .*target-model-SIG[A-Z]+\.json/);
    const o = JSON.parse(stdout);
    assert.equal([o.interrupted, o.evaluation, o.model, o.ess], [true, 'interrupted', out, undefined]);
    assert.ok((await loadFlow(out)).variables.length > 0);
    assert.not.ok(existsSync(`${out}.checkpoint.json`));
  }
});

test('item 6: fit --data saves the trained weights to the checkpoint before its evaluation; Ctrl-C there skips the evaluation (exit 130, --out not written)', async () => {
  // 1500 points in a patch: seconds of exact densities and kernel fit after 2 training steps
  const csv = join(dir, 'patch.csv');
  const rng = (() => { let u = 1; return () => ((u = (u * 16807) % 2147483647) / 2147483647); })();
  writeFileSync(csv, ['lat,lon', ...Array.from({ length: 1500 }, () => `${(60 + 10 * rng()).toFixed(3)},${(20 * rng()).toFixed(3)}`)].join('\n'));
  const out = join(dir, 'data-model.json');
  const checkpoint = `${out}.checkpoint.json`;
  const { code, stdout, stderr } = await signalWhenWritten(['fit', '--data', csv, '--steps', '2', '--batch', '32', '--hidden', '8', '--workers', '2', '--out', out, '--json'], checkpoint);
  assert.is(code, 130, stderr);
  assert.match(stderr, /interrupted — skipping the test evaluation; the trained weights are saved to .*data-model\.json\.checkpoint\.json/);
  assert.match(stderr, /interrupted during the test evaluation, after 2 training steps; the trained weights are saved to .*checkpoint\.json \(not to .*data-model\.json, which is written only for a finished model\)/);
  assert.not.ok(existsSync(out), '--out holds finished models only');
  const o = JSON.parse(stdout);
  assert.equal([o.interrupted, o.evaluation, o.stepsDone, o.testNLL, o.checkpoint], [true, 'interrupted', 2, undefined, checkpoint]);
  assert.ok((await loadFlow(checkpoint)).variables.length > 0);
  const file = JSON.parse(readFileSync(checkpoint, 'utf8'));
  assert.equal([file.flow.type, file.meta.checkpoint, file.meta.evaluated, file.meta.stepsDone], ['cnf', true, false, 2]);
});

test('item 7: invalid numbers are usage errors (exit 2) in fit and train', async () => {
  const cases: [string[], RegExp][] = [
    [['fit', ...quick, '--lr', '-1'], /--lr must be greater than 0, got -1/],
    [['fit', ...quick, '--lr', '0'], /--lr must be greater than 0, got 0/],
    [['fit', ...quick, '--hidden', '0'], /--hidden must be at least 1, got 0/],
    [['fit', '--target', 'rezende-4mode', '--hidden', '8,-3'], /--hidden must be at least 1, got -3/],
    [['fit', '--target', 'rezende-4mode', '--hidden', '8.5'], /--hidden expects an integer, got '8\.5'/],
    [['fit', '--target', 'rezende-4mode', '--potential', 'fourier'], /--potential fourier is defined on flat tori only/],
    [['fit', '--target', 'rezende-4mode', '--batch', '1e3'], /--batch expects an integer, got '1e3'/],
    [['train', '--out', join(dir, 't.json'), '--lr', '0'], /--lr must be greater than 0/],
    [['train', '--out', join(dir, 't.json'), '--hidden', '8,0'], /--hidden must be at least 1, got 0/],
    [['train', '--out', join(dir, 't.json'), '--lr-final', '2'], /--lr-final must be at most 1/],
  ];
  for (const [argv, why] of cases) {
    // tiny runs, so that code without these checks finishes quickly (and fails the test)
    const r = await capture([...argv, '--steps', '2']);
    assert.is(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, why);
  }
});

test('item 8: fit and train flags that do not apply are usage errors naming what they apply to', async () => {
  const cases: [string[], RegExp][] = [
    [['fit', ...quick, '--flow', 'cnf', '--potential', 'fourier'], /--potential applies to --flow ircpm/],
    [['fit', ...quick, '--flow', 'cnf', '--stack', '2'], /--stack applies to --flow ircpm/],
    [['fit', ...quick, '--split-seed', '3'], /--split-seed applies to --data/],
    [['fit', ...quick, '--workers', '2'], /--workers applies to --data with --flow cnf/],
    [['fit', '--data', 'x.csv', '--eval-samples', '500'], /--eval-samples applies to --target/],
    [['fit', ...quick, '--force'], /--force applies to --out/],
    [['train', '--out', join(dir, 't.json'), '--kernel', 'ncp', '--bins', '4'], /--bins applies to --kernel spline/],
  ];
  for (const [argv, why] of cases) {
    const r = await capture([...argv, '--steps', '1']);
    assert.is(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, why);
  }
});

test('item 1 (train, fit): runs that cannot fit in memory are refused before they start', async () => {
  // sizes whose first allocation (> 2³² elements) would fail at once, were the check ever bypassed
  const r = await capture(['train', '--L', '65536', '--batch', '1', '--microbatches', '1', '--workers', '0', '--out', join(dir, 'big.json')]);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /this run needs ≈ [\d.]+ [TP]iB \(≈ \d+ MiB per sample × 1 samples in flight\) but [\d.]+ [KMGT]iB of memory is available; reduce --L/);
  const f = await capture(['fit', '--target', 'rezende-4mode', '--batch', '2000000000', '--steps', '1']);
  assert.is(f.code, 2, f.err);
  assert.match(f.err, /this run needs ≈ [\d.]+ [TP]iB .* reduce --batch or --hidden/);
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test.run();
