import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFlow } from '../../src/flows/io.ts';
import { captureMain } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-fit-'));

const capture = captureMain;

test('fit --target --json prints ess, kl, params, wallSeconds, backend and bound diagnostics; --out saves a loadable model', async () => {
  const model = join(dir, 'm.json');
  const r = await capture(['fit', '--manifold', 'torus2', '--target', 'rezende-correlated', '--symmetric', '--flow', 'ircpm', '--steps', '5', '--eval-samples', '500', '--hidden', '8,8', '--seed', '3', '--diag-points', '1000', '--out', model, '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out.trim());
  for (const k of ['ess', 'kl', 'params', 'wallSeconds', 'backend', 'bounds', 'okFraction']) assert.ok(k in j, `missing ${k}`);
  assert.ok(j.ess > 0 && j.ess <= 1);
  assert.ok(Number.isFinite(j.kl) && j.kl > -0.05);
  assert.is(j.symmetric, true);
  assert.is(j.estimator, 'total');
  assert.ok(j.bounds[0].maxHessNorm >= 0 && typeof j.bounds[0].sufficient === 'boolean');
  assert.ok(existsSync(model));
  const flow = await loadFlow(model);
  assert.is(flow.manifold.name, 'torus2');
});

test('fit --estimator path trains an IRCPM by path gradients and says so', async () => {
  const r = await capture(['fit', '--target', 'rezende-unimodal', '--estimator', 'path', '--steps', '40', '--batch', '128', '--lr', '1e-2', '--hidden', '16,16', '--eval-samples', '2000', '--diag-points', '500', '--seed', '4', '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out.trim());
  assert.is(j.estimator, 'path');
  assert.ok(j.ess > 0.9, `ESS after 40 path-gradient steps: ${j.ess}`);
});

test('fit --data (lat,lon CSV with comments and header) reports train/val/test NLL on an 80/10/10 split', async () => {
  const csv = join(dir, 'pts.csv');
  const rows = ['# synthetic', 'lat,lon'];
  for (let i = 0; i < 100; i++) rows.push(`${(40 + 10 * Math.sin(i)).toFixed(3)},${(20 * Math.cos(3 * i)).toFixed(3)}`);
  writeFileSync(csv, rows.join('\n'));
  const r = await capture(['fit', '--manifold', 'sphere2', '--data', csv, '--flow', 'ircpm', '--stack', '1', '--hidden', '8', '--steps', '3', '--split-seed', '2', '--diag-points', '1000', '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out.trim());
  assert.equal(j.sizes, { train: 80, val: 10, test: 10 });
  assert.ok(Number.isFinite(j.testNLL) && Math.abs(j.testNLL - Math.log(4 * Math.PI)) < 1, `testNLL ${j.testNLL}`);
  assert.is(j.backend.length > 0, true);
});

test('usage errors exit 2 with one line: unknown flag, no target/data, manifold mismatch, bad --symmetric; a missing or too small data file is exit 1 before any work', async () => {
  const cases = [
    ['fit', '--target', 'rezende-unimodal', '--bogus'],
    ['fit', '--flow', 'ircpm'],
    ['fit', '--manifold', 'sphere2', '--target', 'rezende-unimodal'],
    ['fit', '--target', 'rezende-unimodal', '--symmetric'],
    ['fit', '--target', 'rezende-unimodal', '--steps', 'many'],
    ['fit', '--target', 'rezende-unimodal', '--flow', 'cnf', '--estimator', 'path'],
    ['fit', '--target', 'rezende-unimodal', '--estimator', 'score'],
  ];
  for (const args of cases) {
    const r = await capture(args);
    assert.is(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.err}`);
    assert.is(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /^gaugeflow fit: /);
  }
  const missing = await capture(['fit', '--data', join(dir, 'nope.csv'), '--steps', '1', '--json']);
  assert.is(missing.code, 1);
  assert.match(missing.err, /cannot read data file/);
  // too few points for a validation and a test point: refused once the file is read, before any
  // training (it used to train, then fail in the kernel fit or report a test NLL of nothing)
  const few = join(dir, 'seven.csv');
  writeFileSync(few, ['lat,lon', ...Array.from({ length: 7 }, (_, i) => `${10 + i},${20 + 3 * i}`)].join('\n'));
  const seven = await capture(['fit', '--data', few, '--out', join(dir, 'seven.json'), '--json']);
  assert.is(seven.code, 1, seven.err);
  assert.match(seven.err, /seven\.csv: 7 points are too few for the 80\/10\/10 train\/validation\/test split \(6\/1\/0\).*at least 8 points/);
  assert.is(seven.out, '', 'nothing trained, nothing printed');
  assert.not.ok(existsSync(join(dir, 'seven.json')) || existsSync(join(dir, 'seven.json.checkpoint.json')));
});

test.run();
