// Issue 9 item 9: every field of a model file is validated on load (src/io/schema.ts), so a damaged
// file is a clear error naming the file and the field, never a different flow or a late failure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend/index.ts';
import { loadFlow, readFlowPayload, readModelFile } from '../../src/flows/io.ts';
import { readGaugeModel } from '../../src/flows/gauge/model-file.ts';
import { checkSchema, SchemaError } from '../../src/io/schema.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const models = join(root, 'bench', 'models');
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-models-'));
test.before(async () => {
  await initBackend();
});

/** A copy of a committed model with one change, written to the scratch directory. */
function damaged(name: string, edit: (j: any) => void): string {
  const j = JSON.parse(readFileSync(join(models, name), 'utf8'));
  edit(j);
  const path = join(dir, `${name}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(j));
  return path;
}

async function rejects(p: Promise<unknown> | (() => unknown), why: RegExp): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.match((e as Error).message, why);
    return;
  }
  assert.unreachable(`expected an error matching ${why}`);
}

test('the committed models pass validation', async () => {
  for (const m of ['rezende-4mode-ircpm3.model.json', 'rezende-4mode-cnf.model.json']) assert.ok(await loadFlow(join(models, m)));
  assert.is(readGaugeModel(join(models, 'u1-L8-b2-energy.model.json')).group, 'u1');
});

test('manifold-flow models: missing weights, a non-numeric tolerance and other damaged fields are named', async () => {
  const ircpm = 'rezende-4mode-ircpm3.model.json';
  // the issue: without `weights` the potential was rebuilt fresh (a uniform flow)
  await rejects(loadFlow(damaged(ircpm, (j) => delete j.flow.potentials[0].weights)), /model file .*: flow\.potentials\[0\]\.weights: expected an array, got missing/);
  // the issue: a string tolerance loaded, then every draw failed
  await rejects(loadFlow(damaged(ircpm, (j) => (j.flow.solver.tol = 'tight'))), /flow\.solver\.tol: expected a positive number, got "tight"/);
  await rejects(loadFlow(damaged(ircpm, (j) => (j.flow.solver.maxIter = 0))), /flow\.solver\.maxIter: expected an integer ≥ 1, got 0/);
  await rejects(loadFlow(damaged(ircpm, (j) => (j.flow.potentials[0].weights[1][7] = 'x'))), /flow\.potentials\[0\]\.weights\[1\]\[7\]: expected a finite number/);
  await rejects(loadFlow(damaged(ircpm, (j) => (j.flow.layers = 2.5))), /flow\.layers: expected an integer ≥ 1, got 2\.5/);
  const cnf = 'rezende-4mode-cnf.model.json';
  await rejects(loadFlow(damaged(cnf, (j) => delete j.flow.potential.weights)), /flow\.potential\.weights: expected an array, got missing/);
  await rejects(loadFlow(damaged(cnf, (j) => (j.flow.mode = 'fast'))), /flow\.mode: expected one of "exact", "divergence", "hybrid", got "fast"/);
  await rejects(() => readModelFile(damaged(cnf, (j) => (j.flow.type = 'maf'))), /unknown flow type 'maf'/);
  // a bare payload (bench/cnf.ts --save) goes through the same schema
  const bare = join(dir, 'bare.json');
  writeFileSync(bare, JSON.stringify({ ...JSON.parse(readFileSync(join(models, cnf), 'utf8')).flow, steps: -1 }));
  await rejects(() => readFlowPayload(bare), /flow\.steps: expected an integer ≥ 1, got -1/);
});

test('gauge-flow models: conditioner weights, kernel fields and history are checked', async () => {
  const g = 'u1-L8-b2-energy.model.json';
  await rejects(() => readGaugeModel(damaged(g, (j) => delete j.flow.layers[3].conditioner.weights)), /flow\.layers\[3\]\.conditioner\.weights: expected an array, got missing/);
  await rejects(() => readGaugeModel(damaged(g, (j) => (j.flow.layers[0].kernel.tol = '1e-12'))), /flow\.layers\[0\]\.kernel\.tol: expected a positive number, got "1e-12"/);
  await rejects(() => readGaugeModel(damaged(g, (j) => (j.flow.layers[5].kernel.kind = 'ncp'))), /flow\.layers\[5\]\.kernel\.kind: expected "energy"/);
  await rejects(() => readGaugeModel(damaged(g, (j) => (j.history.steps = 'many'))), /history\.steps: expected an integer ≥ 0/);
});

test('bench --init with a corrupt file: one line naming the file, exit 1, no stack trace', () => {
  const corrupt = join(dir, 'corrupt.json');
  writeFileSync(corrupt, '{"format":"gaugeflow-model","version":1,"flow":{"type":"cnf","manif');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cnf.ts', '--task', 'eval', '--init', corrupt], { cwd: root, encoding: 'utf8', env: { ...process.env, GAUGEFLOW_DEBUG: '' } });
  assert.is(r.status, 1);
  assert.is(r.stderr.trim(), `bench/cnf: model file ${corrupt} is not valid JSON (truncated or corrupt?)`);
});

test('schema checker: types, bounds, enums, optional fields and nested paths', () => {
  const s = { fields: { a: 'posint', b: { array: 'numbers', minLength: 1 }, c: { optional: { enum: ['x', 'y'] } }, d: { fields: { e: 'boolean' } } } } as const;
  checkSchema({ a: 1, b: [[1, 2]], d: { e: true } }, s);
  checkSchema({ a: 1, b: [[]], c: 'y', d: { e: false } }, s);
  const bad: [unknown, RegExp][] = [
    [{ b: [[1]], d: { e: true } }, /^a: expected an integer ≥ 1, got missing$/],
    [{ a: 1, b: [], d: { e: true } }, /^b: expected at least 1 entry/],
    [{ a: 1, b: [[1, null]], d: { e: true } }, /^b\[0\]\[1\]: expected a finite number, got null$/],
    [{ a: 1, b: [[1]], c: 'z', d: { e: true } }, /^c: expected one of "x", "y"/],
    [{ a: 1, b: [[1]], d: { e: 'yes' } }, /^d\.e: expected true or false/],
    [[1], /^value: expected an object, got an array$/],
  ];
  for (const [v, why] of bad) {
    assert.throws(() => checkSchema(v, s), (e: unknown) => e instanceof SchemaError && why.test((e as Error).message));
  }
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test.run();
