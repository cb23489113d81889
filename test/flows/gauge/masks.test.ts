/**
 * The stripe masks satisfy the coupling rules, checked by brute force against lattices/ plaquette
 * tables in d = 2, 3, 4: every active link lies in exactly one active plaquette (which contains no
 * other active link), no frozen plaquette contains an active link, every plaquette without an active
 * link is frozen context, and a cycle of 4d layers makes every link active exactly once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeLattice, plaquetteLinks } from '../../../lattices/geometry.ts';
import { frozenPlaquetteMask, layerPattern, putStripe, takeStripe, STRIPE_PERIOD } from '../../../src/flows/gauge/masks.ts';
import { planes } from '../../../src/flows/gauge/layout.ts';

test.before(async () => {
  await initBackend();
});

/** coordinates of a site (direction 0 fastest) */
function coords(extents: readonly number[], site: number): number[] {
  const c: number[] = [];
  for (const L of extents) {
    c.push(site % L);
    site = Math.floor(site / L);
  }
  return c;
}

for (const dims of [2, 3, 4]) {
  test(`${dims}D: coupling rules of every mask in a cycle, and the cycle covers every link once`, () => {
    const lat = makeLattice(new Array(dims).fill(4));
    const P = plaquetteLinks(lat);
    const ps = planes(dims);
    const timesActive = new Int32Array(lat.volume * dims);
    for (let k = 0; k < 4 * dims; k++) {
      const pat = layerPattern(dims, k);
      const active = new Uint8Array(lat.volume * dims);
      for (let s = 0; s < lat.volume; s++) if (coords(lat.extents, s)[pat.nu]! % STRIPE_PERIOD === pat.off) active[s * dims + pat.mu] = 1;
      for (let l = 0; l < active.length; l++) timesActive[l] += active[l]!;
      const frozen = frozenPlaquetteMask(lat, pat).dataSync();
      const activePlaquettes = new Int32Array(lat.volume * dims);
      for (let p = 0; p < P.length / 4; p++) {
        const site = Math.floor(p / ps.length);
        const plane = p % ps.length;
        const links = [P[4 * p]!, P[4 * p + 1]!, P[4 * p + 2]!, P[4 * p + 3]!];
        const nActive = links.filter((l) => active[l]).length;
        const isFrozen = frozen[site * ps.length + plane] === 1;
        // frozen ⇔ no active link
        assert.is(isFrozen, nActive === 0, `layer ${k} plaquette ${p}`);
        // the active plaquettes: plane {μ,ν} at active sites, where U_μ(x) is the first link
        const [a, b] = ps[plane]!;
        const inPlane = (a === pat.mu && b === pat.nu) || (a === pat.nu && b === pat.mu);
        const l0 = site * dims + pat.mu;
        if (inPlane && active[l0]) {
          assert.is(nActive, 1, 'an active plaquette holds exactly one active link');
          activePlaquettes[l0]++;
        }
      }
      for (let l = 0; l < active.length; l++) if (active[l]) assert.is(activePlaquettes[l], 1, `link ${l} lies in one active plaquette`);
    }
    for (let l = 0; l < timesActive.length; l++) assert.is(timesActive[l], 1, `link ${l} active once per cycle`);
  });
}

test('descending stripe order: each layer is the ascending pattern with off → 3 − off (so a cycle still covers every link once), and the passive stripe of a layer (x_ν ≡ off − 1) is the active stripe of the next layer of that direction and plane', () => {
  for (const dims of [2, 3, 4]) {
    for (let k = 0; k < 4 * dims * (dims - 1); k++) {
      const a = layerPattern(dims, k), d = layerPattern(dims, k, 'descending');
      assert.equal(d, { ...a, off: 3 - a.off });
      const next = layerPattern(dims, k + dims, 'descending');
      if (next.nu === d.nu) assert.is(next.off, (d.off + 3) % 4, `layer ${k}: the next ${d.mu}-layer activates its passive stripe`);
    }
  }
  assert.throws(() => layerPattern(2, 0, 'sideways' as 'ascending'), /stripe order must be one of ascending, descending/);
});

test('takeStripe / putStripe select x_ν ≡ off (mod 4) and invert each other', () => {
  const lat = makeLattice([8, 4, 4]);
  const v = Float32Array.from({ length: lat.volume }, (_, i) => i);
  const t = tf.tensor(v, [1, 4, 4, 8, 1]);
  for (const nu of [0, 1, 2]) {
    const pat = { mu: (nu + 1) % 3, nu, off: 3 };
    const s = takeStripe(t, 3, pat);
    const picked = Array.from(s.dataSync());
    const want = Array.from(v).filter((_, site) => coords(lat.extents, site)[nu]! % 4 === 3);
    assert.equal(picked, want);
    const back = putStripe(s, 3, pat).dataSync();
    for (let site = 0; site < lat.volume; site++) assert.is(back[site], coords(lat.extents, site)[nu]! % 4 === 3 ? v[site] : 0);
  }
});

test('extents that are not multiples of 4 are refused', async () => {
  const { checkStripeLattice } = await import('../../../src/flows/gauge/masks.ts');
  assert.throws(() => checkStripeLattice(makeLattice([6, 8])), /multiple of 4/);
});

test.run();
