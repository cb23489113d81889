/**
 * `gaugeflow train` and `gaugeflow sample --sampler flow` end to end on a tiny lattice: the model file,
 * the JSON of both commands, worker-count independence of the flow chain, file safety (no overwrite
 * without --force, never over an input, output checked before training), --init, bad usage.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, flowChainSameForWorkers, signalWhenWritten } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-train-'));
const model = join(dir, 'm.json');

const tiny = ['--L', '4', '--beta', '1', '--layers', '2', '--hidden', '4', '--steps', '4', '--batch', '8', '--eval-samples', '200', '--seed', '3'];

test('train --json: model file and report', () => {
  const r = cli(['train', ...tiny, '--workers', '0', '--out', model, '--json']);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  for (const k of ['ess', 'kl', 'acceptance', 'params', 'steps', 'trainSeconds', 'backend', 'workers']) assert.ok(k in o, `missing ${k}`);
  assert.is(o.steps, 4);
  assert.is(o.workers, 0);
  assert.ok(o.ess > 0 && o.ess <= 1);
  assert.ok(o.acceptance > 0 && o.acceptance <= 1);
  const file = JSON.parse(readFileSync(model, 'utf8'));
  assert.is(file.format, 'gaugeflow-gauge-model');
  assert.is(file.group, 'u1');
  assert.is(file.dims, 2);
  assert.equal(file.trained, { L: 4, beta: 1 });
  assert.is(file.history.steps, 4);
  assert.is(file.flow.layers.length, 2);
  assert.not.ok(existsSync(`${model}.checkpoint.json`), 'a finished run leaves no checkpoint behind');
});

test('train: existing --out refused before any training (exit 2), --force overwrites, an input is never the output', () => {
  const before = statSync(model).mtimeMs;
  const r = cli(['train', ...tiny, '--workers', '0', '--out', model]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /exists; pass --force/);
  assert.is(statSync(model).mtimeMs, before);
  const same = cli(['train', ...tiny, '--init', model, '--out', model, '--force']);
  assert.is(same.code, 2);
  const missingDir = cli(['train', ...tiny, '--out', join(dir, 'nope', 'm.json')]);
  assert.is(missingDir.code, 2);
  assert.match(missingDir.stderr, /does not exist/);
  const bad = cli(['train', '--L', '6', '--out', join(dir, 'x.json')]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /multiple of 4/);
});

test('train --init continues a model (history kept); a corrupt or foreign model is a clear error', () => {
  const next = join(dir, 'm2.json');
  const r = cli(['train', '--L', '4', '--beta', '1', '--steps', '2', '--batch', '8', '--eval-samples', '200', '--workers', '0', '--init', model, '--out', next, '--json']);
  assert.is(r.code, 0, r.stderr);
  const file = JSON.parse(readFileSync(next, 'utf8'));
  assert.is(file.history.previous.length, 1);
  assert.is(file.history.previous[0].steps, 4);
  const corrupt = join(dir, 'corrupt.json');
  writeFileSync(corrupt, '{"format": "gaugeflow-gauge-model", "version": 1, "group": "u1"');
  const c = cli(['sample', '--sampler', 'flow', '--model', corrupt, '--n', '10']);
  assert.is(c.code, 1);
  assert.match(c.stderr, /not valid JSON/);
  const noLayers = join(dir, 'nolayers.json');
  const j = JSON.parse(readFileSync(model, 'utf8'));
  delete j.flow.layers;
  writeFileSync(noLayers, JSON.stringify(j));
  const d = cli(['sample', '--sampler', 'flow', '--model', noLayers, '--n', '10']);
  assert.is(d.code, 1);
  assert.match(d.stderr, /layer weights missing/);
  const wrongGroup = cli(['sample', '--sampler', 'flow', '--model', model, '--group', 'su2', '--n', '10']);
  assert.is(wrongGroup.code, 2);
});

test('sample --sampler flow: the HMC JSON plus flow fields; --workers 1 and 2 give the identical chain', () => {
  const args = ['sample', '--sampler', 'flow', '--model', model, '--n', '300', '--therm', '10', '--chains', '2', '--batch', '64', '--seed', '5', '--json'];
  const [oa] = flowChainSameForWorkers(args);
  for (const k of ['observables', 'acceptance', 'exact', 'deviationSigma', 'importanceEss', 'failedDraws', 'proposalsPerSecond', 'backend']) assert.ok(k in oa, `missing ${k}`);
  assert.equal(Object.keys(oa.observables), ['plaquette', 'Q', 'Q2']);
  assert.equal(oa.spec.L, 4);
  assert.is(oa.spec.beta, 1);
});

test('train: Ctrl-C (or SIGTERM, a scheduler\'s time limit) stops after the current step, saves the checkpoint (not --out), prints the partial result, exit 130 (143)', async () => {
  for (const [sig, exit] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const out = join(dir, `interrupted-${sig}.json`);
    const checkpoint = `${out}.checkpoint.json`;
    // a periodic checkpoint shows that training (and the handler) is live: the signal goes then
    const args = ['train', ...tiny.filter((a, i, all) => a !== '--steps' && all[i - 1] !== '--steps'), '--steps', '100000', '--checkpoint-every', '5', '--workers', '0', '--out', out, '--json'];
    const { code, stdout, stderr } = await signalWhenWritten(args, checkpoint, sig);
    assert.is(code, exit, stderr);
    assert.match(stderr, new RegExp(`${sig === 'SIGINT' ? 'interrupted' : 'SIGTERM'} — stopping after the current step`));
    assert.match(stderr, /interrupted after \d+ steps; weights saved to .*\.json\.checkpoint\.json/);
    assert.not.ok(existsSync(out), '--out is written only when training finishes');
    const o = JSON.parse(stdout);
    assert.is(o.interrupted, true);
    assert.ok(o.steps >= 5 && o.steps < 100000, `steps ${o.steps}`);
    const ckpt = JSON.parse(readFileSync(checkpoint, 'utf8'));
    assert.is(ckpt.history.steps, o.steps);
    assert.is(ckpt.history.interrupted, true);
  }
});

test.after(() => {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
});

test.run();
