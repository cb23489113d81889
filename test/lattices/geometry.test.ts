import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeLattice, siteIndex, siteCoords, plaquetteLinks, plaquetteCount } from '../../lattices/geometry.ts';
import { parseGroup, groupName, linkSize } from '../../lattices/group.ts';
import { makeRng, gaussian, fillGaussian } from '../../lattices/random.ts';
import { wrapAngle } from '../../lattices/field.ts';

test('makeLattice: volume, lexicographic order with direction 0 fastest, periodic neighbours', () => {
  for (const ext of [[4, 4], [3, 5], [2, 3, 4], [3, 2, 4, 5]]) {
    const lat = makeLattice(ext);
    const d = ext.length;
    assert.is(lat.volume, ext.reduce((a, b) => a * b, 1));
    assert.is(siteIndex(lat, [1, ...new Array(d - 1).fill(0)]), 1);
    for (let s = 0; s < lat.volume; s++) {
      const c = siteCoords(lat, s);
      assert.is(siteIndex(lat, c), s);
      for (let mu = 0; mu < d; mu++) {
        const up = c.slice(); up[mu] = (up[mu] + 1) % ext[mu];
        const dn = c.slice(); dn[mu] = (dn[mu] - 1 + ext[mu]) % ext[mu];
        assert.is(lat.fwd[s * d + mu], siteIndex(lat, up));
        assert.is(lat.bwd[s * d + mu], siteIndex(lat, dn));
        assert.is(lat.bwd[lat.fwd[s * d + mu] * d + mu], s);
      }
    }
    assert.is(siteIndex(lat, ext.map(() => -1)), lat.volume - 1, 'negative coordinates wrap');
    assert.is(makeLattice([...ext]), lat, 'memoised by shape');
    assert.ok(Object.isFrozen(lat) && Object.isFrozen(lat.extents));
  }
});

test('makeLattice rejects bad shapes with clear messages', () => {
  assert.throws(() => makeLattice([4]), /dimension must be 2, 3 or 4/);
  assert.throws(() => makeLattice([2, 2, 2, 2, 2]), /dimension/);
  assert.throws(() => makeLattice([4, 1]), /integer ≥ 2/);
  assert.throws(() => makeLattice([4, 2.5]), /integer ≥ 2/);
  assert.throws(() => siteCoords(makeLattice([2, 2]), 4), /out of range/);
});

test('plaquette table: each link in exactly 2(d−1) plaquettes, each plaquette closes', () => {
  for (const ext of [[4, 3], [3, 3, 4], [2, 3, 2, 3]]) {
    const lat = makeLattice(ext), d = lat.dims;
    const P = plaquetteLinks(lat);
    assert.is(P.length, 4 * plaquetteCount(lat));
    const count = new Int32Array(lat.volume * d);
    for (const l of P) count[l]++;
    assert.ok(count.every((c) => c === 2 * (d - 1)));
    assert.is(plaquetteLinks(lat), P, 'cached');
  }
});

test('parseGroup / groupName / linkSize', () => {
  assert.equal(parseGroup('u1'), { kind: 'u1' });
  assert.equal(parseGroup('SU3'), { kind: 'sun', N: 3 });
  assert.equal(parseGroup('su(5)'), { kind: 'sun', N: 5 });
  assert.equal(parseGroup('suN', 4), { kind: 'sun', N: 4 });
  assert.throws(() => parseGroup('suN'), /needs N/);
  assert.throws(() => parseGroup('su1'), /N ≥ 2/);
  assert.throws(() => parseGroup('so3'), /unknown gauge group/);
  assert.is(groupName({ kind: 'sun', N: 3 }), 'su3');
  assert.is(linkSize({ kind: 'sun', N: 3 }), 18);
  assert.is(linkSize({ kind: 'u1' }), 1);
});

test('random streams: reproducible by (seed, path), distinct across paths; gaussian moments (4σ)', () => {
  const a = makeRng(42, 'chain', 0), b = makeRng(42, 'chain', 0), c = makeRng(42, 'chain', 1);
  const xa = [a(), a(), a()], xb = [b(), b(), b()], xc = [c(), c(), c()];
  assert.equal(xa, xb);
  assert.not.equal(xa, xc);
  const r = makeRng('g');
  const n = 20000;
  const buf = new Float64Array(n);
  fillGaussian(r, buf);
  for (const sample of [buf, Float64Array.from({ length: n }, () => gaussian(r))]) {
    const mean = sample.reduce((s, v) => s + v, 0) / n;
    const m2 = sample.reduce((s, v) => s + v * v, 0) / n;
    assert.ok(Math.abs(mean) < 4 / Math.sqrt(n));
    assert.ok(Math.abs(m2 - 1) < 4 * Math.sqrt(2 / n));
  }
});

test('wrapAngle maps to (−π, π]', () => {
  for (const x of [0, 1, -1, Math.PI, -Math.PI, 3 * Math.PI, -3 * Math.PI, 7.5, -100.25, 1e6]) {
    const y = wrapAngle(x);
    assert.ok(y > -Math.PI && y <= Math.PI, `${x} → ${y}`);
    const k = (x - y) / (2 * Math.PI);
    assert.ok(Math.abs(k - Math.round(k)) < 1e-9);
  }
  assert.is(wrapAngle(-Math.PI), Math.PI);
});

test.run();
