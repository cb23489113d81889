import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../../src/backend/index.ts';
import { torus, sphere } from '../../src/manifolds/index.ts';
import { makeIRCPM, IRCPMFlow } from '../../src/flows/ircpm/stack.ts';
import { saveFlow, loadFlow, MODEL_VERSION } from '../../src/flows/io.ts';
import { parseLatLonCSV, latLonToSphere, splitIndices } from '../../src/data/earth.ts';

const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-io-'));
test.before(async () => {
  await initBackend();
});

test('save → load reproduces log q exactly (IRCPM stacks on T² and S², shared and separate, Fourier)', async () => {
  const cases = [
    makeIRCPM(torus(2), seedrandom('a'), { layers: 2, shared: false, hidden: [8, 8] }),
    makeIRCPM(sphere(2), seedrandom('b'), { layers: 3, shared: true, hidden: [8] }),
    makeIRCPM(torus(2), seedrandom('c'), { potential: 'fourier', frequencies: 2 }),
  ];
  for (const [k, flow] of cases.entries()) {
    for (const v of flow.variables) v.assign(tf.mul(v, 5));
    const path = join(dir, `m${k}.json`);
    saveFlow(path, flow, { note: 'test' });
    const back = await loadFlow(path);
    assert.ok(back instanceof IRCPMFlow);
    const x = flow.manifold.sampleUniform(100, seedrandom('x'));
    const a = flow.logProb(x).dataSync();
    const b = back.logProb(x).dataSync();
    for (let i = 0; i < 100; i++) assert.is(a[i], b[i]);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    assert.is(file.format, 'gaugeflow-model');
    assert.is(file.version, MODEL_VERSION);
  }
  // atomic write: no temporary files left behind
  assert.ok(readdirSync(dir).every((f) => !f.includes('.tmp-')));
});

test('a CNF model goes through the same file format (dispatch on the payload type)', async () => {
  const { CNF } = await import('../../src/flows/cnf/cnf.ts');
  const f = new CNF(torus(2), seedrandom('cnf'), { hidden: [4], steps: 2 });
  const path = join(dir, 'cnf.json');
  saveFlow(path, f);
  const g = await loadFlow(path);
  assert.ok(g instanceof CNF);
  const x = torus(2).sampleUniform(20, seedrandom('cx'));
  const a = f.logProb(x).dataSync();
  const b = g.logProb(x).dataSync();
  for (let i = 0; i < 20; i++) assert.is(a[i], b[i]);
});

test('wrong, corrupt or truncated model files are clear errors', async () => {
  const flow = makeIRCPM(torus(2), seedrandom('d'), { hidden: [4] });
  const good = join(dir, 'good.json');
  saveFlow(good, flow);
  const text = readFileSync(good, 'utf8');
  const write = (name: string, s: string) => {
    const p = join(dir, name);
    writeFileSync(p, s);
    return p;
  };
  await assertRejects(loadFlow(join(dir, 'missing.json')), /cannot read model file/);
  await assertRejects(loadFlow(write('trunc.json', text.slice(0, text.length / 2))), /not valid JSON/);
  await assertRejects(loadFlow(write('foreign.json', JSON.stringify({ hello: 1 }))), /not a gaugeflow model/);
  await assertRejects(loadFlow(write('v99.json', text.replace(`"version":${MODEL_VERSION}`, '"version":99'))), /format version 99/);
  await assertRejects(loadFlow(write('type.json', text.replace('"type":"ircpm"', '"type":"nope"'))), /unknown flow type 'nope'/);
  const j = JSON.parse(text);
  j.flow.potentials[0].weights[0].pop();
  await assertRejects(loadFlow(write('short.json', JSON.stringify(j))), /must hold \d+ finite numbers/);
  j.flow.manifold = 'klein2';
  await assertRejects(loadFlow(write('man.json', JSON.stringify(j))), /unknown manifold/);
  assert.ok(existsSync(good));
});

async function assertRejects(p: Promise<unknown>, re: RegExp) {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected rejection matching ${re}`);
}

test('lat,lon CSV: comments and header skipped, bad rows rejected, unit vectors, seeded 80/10/10 split', () => {
  const rows = parseLatLonCSV('# source\nLatitude,Longitude\n0,0\n90,0\n-30.5,120\n');
  assert.equal(rows, [
    [0, 0],
    [90, 0],
    [-30.5, 120],
  ]);
  const p = latLonToSphere(rows);
  assert.ok(Math.abs(p[0][0] - 1) < 1e-12 && Math.abs(p[1][2] - 1) < 1e-12);
  for (const v of p) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-12);
  assert.throws(() => parseLatLonCSV('0,0\nabc,1\n'), /line 2/);
  assert.throws(() => parseLatLonCSV('95,0\n'), /out of range/);
  assert.throws(() => parseLatLonCSV('# only comments\n'), /no data rows/);
  // a header that names the columns picks them: swapped, among other columns, quoted
  assert.equal(parseLatLonCSV('lon,lat\n120,-30.5\n'), [[-30.5, 120]]);
  assert.equal(parseLatLonCSV('id,time,"Longitude",Latitude,mag\n7,1999,-70.2,12.5,6.1\n'), [[12.5, -70.2]]);
  assert.equal(parseLatLonCSV('lat,lng\r\n1,2\r\n'), [[1, 2]]);
  // without a header naming them, the first two columns (an unnamed header is skipped)
  assert.equal(parseLatLonCSV('a,b\n1,2\n'), [[1, 2]]);
  // a byte-order mark is not a header: the first row stays a point
  assert.equal(parseLatLonCSV('\uFEFF10,20\n11,21\n'), [[10, 20], [11, 21]]);
  assert.throws(() => parseLatLonCSV('latitude,depth\n1,2\n'), /names a latitude column but no longitude/);
  assert.throws(() => parseLatLonCSV('id,lat,lon\n1,2\n'), /line 2 has no numeric latitude and longitude in columns 2 and 3/);
  const s = splitIndices(827, 3);
  assert.equal([s.train.length, s.val.length, s.test.length], [662, 83, 82]);
  const all = new Set([...s.train, ...s.val, ...s.test]);
  assert.is(all.size, 827);
  assert.equal(splitIndices(827, 3).test, s.test);
  assert.not.equal(splitIndices(827, 4).test, s.test);
});

test.run();
