import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRng } from '../../lattices/random.ts';
import type { FlowBatchResult } from '../../samplers/flow_batch.ts';
import { makeHeader, openShard, shardConfigs, shardFileBytes, shardRecords, ShardWriter, type ShardHeader } from '../../src/shards/file.ts';
import { shardRange } from '../../src/shards/layout.ts';

const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-shardfile-'));

/** A run of 2 chains × 3 batches of 5 draws, 3 observables; shard `index` of 2. */
function header(index: number, configValues = 0, seed = 's'): ShardHeader {
  const run = {
    seed,
    chains: 2,
    nPerChain: 13,
    therm: 2,
    measEvery: 1,
    spec: { sampler: 'flow' as const, group: 'u1' as const, dims: 2, L: 4, beta: 1, batch: 5 },
    modelSha256: 'ab'.repeat(32),
    wilsonLoops: [],
    observables: ['plaquette', 'Q', 'Q2'],
    batchesPerChain: 3,
    totalBatches: 6,
    configValues,
  };
  const shard = { index, count: 2 };
  return makeHeader({ run, shard, batches: shardRange(6, shard), backend: 'cpu', model: 'm.json', proposal: { module: '/x/proposal.ts', options: { model: '/x/m.json' } } });
}

/** Batch g: weights with a failed draw and a start for chain 0's first batch, NaN observables on the failure. */
function batch(g: number, configValues = 0): FlowBatchResult {
  const rng = makeRng('b', g);
  const logw = Float64Array.from({ length: 5 }, (_, i) => (i === 0 && g === 0 ? -Infinity : 1000 * (rng() - 0.5)));
  const obs = Float64Array.from({ length: 15 }, (_, j) => (g === 0 && j < 3 ? NaN : rng()));
  const r: FlowBatchResult = { logw, obs, drawSeconds: 0.1 };
  if (g === 0) r.start = { logw: -3.25, obs: Float64Array.of(0.5, -1, 1) };
  if (configValues > 0) r.fields = Float64Array.from({ length: 5 * configValues }, () => Math.PI * (1 - 2 * rng()));
  return r;
}

function write(path: string, h: ShardHeader): void {
  const w = new ShardWriter(path, h);
  for (let g = h.batches.first; g < h.batches.end; g++) w.writeBatch(batch(g, h.run.configValues));
  w.commit();
}

test('round trip: records (−∞ weights, NaN rows, chain start) and configurations come back bit for bit; same input, same bytes', () => {
  for (const cv of [0, 32]) {
    const h = header(0, cv);
    const p = join(dir, `a${cv}.gfshard`);
    write(p, h);
    assert.is(readFileSync(p).byteLength, shardFileBytes(h));
    const s = openShard(p);
    assert.equal(s.header, h);
    const recs = [...shardRecords(s)];
    assert.equal(recs.map((r) => r.g), [0, 1, 2]);
    for (const r of recs) {
      const b = batch(r.g, cv);
      assert.equal(Array.from(r.logw), Array.from(b.logw));
      assert.equal(Array.from(r.obs), Array.from(b.obs));
      assert.equal(r.start ? { logw: r.start.logw, obs: Array.from(r.start.obs) } : undefined, b.start ? { logw: b.start.logw, obs: Array.from(b.start.obs) } : undefined);
      if (cv > 0) assert.equal(Array.from(shardConfigs(s, r.g)), Array.from(b.fields!));
    }
    const again = join(dir, `b${cv}.gfshard`);
    write(again, h);
    assert.ok(readFileSync(again).equals(readFileSync(p)), 'byte-identical');
    if (cv === 0) assert.throws(() => shardConfigs(s, 0), /holds no configurations/);
  }
  // no temporary files left behind
  assert.equal(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('corrupt, truncated, padded, foreign and inconsistent files are errors naming the file', () => {
  const h = header(1);
  const good = join(dir, 'good.gfshard');
  write(good, h);
  const bytes = readFileSync(good);
  const cases: [string, Buffer, RegExp][] = [];
  const flipped = Buffer.from(bytes);
  flipped[bytes.byteLength - 100]! ^= 1;
  cases.push(['flipped', flipped, /checksum mismatch/]);
  cases.push(['truncated', bytes.subarray(0, bytes.byteLength - 9), /truncated/]);
  cases.push(['padded', Buffer.concat([bytes, Buffer.from('x')]), /1 unexpected bytes/]);
  cases.push(['foreign', Buffer.from('hello\nworld'), /header line is not JSON/]);
  cases.push(['nonewline', Buffer.from('{}'), /no header line/]);
  const other = JSON.parse(bytes.subarray(0, bytes.indexOf(0x0a)).toString()) as ShardHeader;
  const rewrite = (mut: (x: ShardHeader) => void) => {
    const x = structuredClone(other);
    mut(x);
    let t = JSON.stringify(x);
    t += ' '.repeat((8 - ((t.length + 1) % 8)) % 8) + '\n';
    return Buffer.concat([Buffer.from(t), bytes.subarray(bytes.indexOf(0x0a) + 1)]);
  };
  cases.push(['format', rewrite((x) => ((x as { format: string }).format = 'gaugeflow-config')), /not a gaugeflow proposal shard/]);
  cases.push(['version', rewrite((x) => (x.version = 2)), /format version 2/]);
  cases.push(['range', rewrite((x) => (x.batches = { first: 2, end: 6 })), /is not the range of shard 1\/2/]);
  cases.push(['edited', rewrite((x) => (x.run.seed = 't')), /checksum mismatch/]);
  for (const [name, b, re] of cases) {
    const p = join(dir, `${name}.gfshard`);
    writeFileSync(p, b);
    assert.throws(() => openShard(p), (e: Error) => re.test(e.message) && e.message.includes(p), name);
  }
});

test('a writer that stops early or is aborted leaves nothing at the path', () => {
  const h = header(0);
  const p = join(dir, 'partial.gfshard');
  const w = new ShardWriter(p, h);
  w.writeBatch(batch(0));
  assert.throws(() => w.commit(), /1 of 3 batches written/);
  assert.not.ok(existsSync(p));
  const w2 = new ShardWriter(p, h);
  assert.throws(() => w2.writeBatch({ ...batch(1), logw: new Float64Array(4) }), /expected 5 × 3/);
  w2.abort();
  assert.not.ok(existsSync(p));
  assert.equal(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
