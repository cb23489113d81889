import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLattice } from '../../lattices/geometry.ts';
import { U1, su } from '../../lattices/group.ts';
import { hotStart, type SUNField, type U1Field } from '../../lattices/field.ts';
import { makeRng } from '../../lattices/random.ts';
import { saveConfig, loadConfig } from '../../lattices/io.ts';

const rng = makeRng(3, 'io-test');
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-io-'));

function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

test('round trip is bitwise for U(1) 2D, U(1) 4D, SU(2), SU(3), SU(4); header carries shape, beta, meta', () => {
  const cases = [[[8, 8], U1], [[3, 4, 3, 2], U1], [[4, 4], su(2)], [[2, 3, 2, 2], su(3)], [[3, 2, 2], su(4)]] as const;
  for (const [ext, g] of cases) {
    const f = hotStart(makeLattice(ext as unknown as number[]), g, rng);
    const p = join(dir, `cfg-${ext.join('x')}-${g.kind}.gfc`);
    saveConfig(p, f, { beta: 2.25, sampler: 'hmc', trajectory: 17 });
    const { field, header } = loadConfig(p, { group: g, extents: ext as unknown as number[] });
    assert.equal(field.group, f.group);
    assert.equal([...field.lattice.extents], [...ext]);
    const a = f.group.kind === 'u1' ? (f as U1Field).theta : (f as SUNField).links;
    const b = field.group.kind === 'u1' ? (field as U1Field).theta : (field as SUNField).links;
    assert.ok(sameBits(a, b), 'payload bits');
    assert.is(header.beta, 2.25);
    assert.equal(header.meta, { sampler: 'hmc', trajectory: 17 });
    assert.ok(header.checksum.startsWith('sha256:'));
    // payload 8-byte aligned after the header line
    const raw = readFileSync(p);
    assert.is((raw.indexOf(0x0a) + 1) % 8, 0);
  }
  assert.equal(readdirSync(dir).filter((n) => n.includes('.tmp-')), [], 'no temporary file left behind');
});

function writeValid(name: string): { path: string; raw: Buffer; nl: number } {
  const path = join(dir, name);
  saveConfig(path, hotStart(makeLattice([4, 4]), su(2), rng), { beta: 1 });
  const raw = readFileSync(path);
  return { path, raw, nl: raw.indexOf(0x0a) };
}
function rewriteHeader(raw: Buffer, nl: number, edit: (h: Record<string, unknown>) => void): Buffer {
  const h = JSON.parse(raw.subarray(0, nl).toString('utf8'));
  edit(h);
  return Buffer.concat([Buffer.from(JSON.stringify(h) + '\n'), raw.subarray(nl + 1)]);
}

test('corrupt or mismatched files fail with errors naming the problem', () => {
  const { path, raw, nl } = writeValid('good.gfc');
  assert.throws(() => loadConfig(path, { group: su(3) }), /wrong group — file holds su2, expected su3/);
  assert.throws(() => loadConfig(path, { group: U1 }), /wrong group/);
  assert.throws(() => loadConfig(path, { extents: [4, 5] }), /wrong shape — file holds extents 4x4, expected 4x5/);
  assert.throws(() => loadConfig(path, { extents: [4, 4, 4] }), /wrong shape/);

  const bad = join(dir, 'bad.gfc');
  writeFileSync(bad, raw.subarray(0, raw.length - 9));
  assert.throws(() => loadConfig(bad), /truncated file/);
  writeFileSync(bad, raw.subarray(0, nl - 3));
  assert.throws(() => loadConfig(bad), /bad magic/);

  const flipped = Buffer.from(raw);
  flipped[nl + 1 + 40] ^= 0x01;
  writeFileSync(bad, flipped);
  assert.throws(() => loadConfig(bad), /checksum mismatch/);

  writeFileSync(bad, rewriteHeader(raw, nl, (h) => { h.magic = 'ildg-config'; }));
  assert.throws(() => loadConfig(bad), /bad magic "ildg-config"/);
  writeFileSync(bad, Buffer.concat([Buffer.from('hello world\n'), raw]));
  assert.throws(() => loadConfig(bad), /bad magic/);
  writeFileSync(bad, rewriteHeader(raw, nl, (h) => { h.formatVersion = 99; }));
  assert.throws(() => loadConfig(bad), /unsupported formatVersion 99/);
  writeFileSync(bad, rewriteHeader(raw, nl, (h) => { h.extents = [4, 8]; }));
  assert.throws(() => loadConfig(bad), /payloadBytes 2048 does not match shape 4x8 su2/);
  writeFileSync(bad, rewriteHeader(raw, nl, (h) => { h.extents = [4]; }));
  assert.throws(() => loadConfig(bad), /bad shape/);
  writeFileSync(bad, rewriteHeader(raw, nl, (h) => { h.group = 'so3'; }));
  assert.throws(() => loadConfig(bad), /bad group/);
  writeFileSync(bad, rewriteHeader(raw, nl, (h) => { h.group = 'su4'; h.N = 4; }));
  assert.throws(() => loadConfig(bad), /does not match shape/);
  writeFileSync(bad, Buffer.concat([raw, Buffer.from([1, 2, 3])]));
  assert.throws(() => loadConfig(bad), /trailing bytes/);
  assert.throws(() => loadConfig(join(dir, 'missing.gfc')), /ENOENT/);
});

test('a failed write leaves neither the target nor a temporary file; an existing target is replaced atomically', () => {
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  const target = join(sub, 'x.gfc');
  // A directory in the way makes the final rename fail after the tmp file was written.
  mkdirSync(target);
  assert.throws(() => saveConfig(target, hotStart(makeLattice([4, 4]), U1, rng)));
  assert.equal(readdirSync(sub), ['x.gfc']);
  rmSync(target, { recursive: true });
  const f1 = hotStart(makeLattice([4, 4]), U1, rng), f2 = hotStart(makeLattice([4, 4]), U1, rng);
  saveConfig(target, f1);
  saveConfig(target, f2);
  assert.ok(sameBits((loadConfig(target).field as U1Field).theta, f2.theta));
  assert.equal(readdirSync(sub), ['x.gfc']);
  // writing into a missing directory fails cleanly
  assert.throws(() => saveConfig(join(dir, 'nope', 'y.gfc'), f1), /ENOENT/);
  assert.not.ok(existsSync(join(dir, 'nope')));
});

test('SU(N) payload that passes the checksum but is not in SU(N) is rejected', () => {
  const path = join(dir, 'notsun.gfc');
  const f = hotStart(makeLattice([2, 2]), su(2), rng);
  f.links[0] *= 2;
  saveConfig(path, f);
  assert.throws(() => loadConfig(path), /link 0 is not in SU\(2\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
