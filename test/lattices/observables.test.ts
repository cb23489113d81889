import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeLattice, siteIndex } from '../../lattices/geometry.ts';
import { U1, su } from '../../lattices/group.ts';
import { coldStart, hotStart, type U1Field, type SUNField } from '../../lattices/field.ts';
import { makeRng } from '../../lattices/random.ts';
import { averagePlaquette } from '../../lattices/action.ts';
import { wilsonLoop, polyakovLoop, topologicalCharge, topologicalChargeRaw, plaquetteAngles2D } from '../../lattices/observables.ts';
import { applyGauge, randomGauge } from '../../lattices/gauge.ts';

const rng = makeRng(5, 'observables-test');

/**
 * Configuration with topological charge k on an L0×L1 torus: every plaquette angle equals 2πk/V.
 * θ_1(x,y) = 2πk x/V, θ_0(L0−1, y) = −2πk y/L1 (the transition function), all else 0.
 */
function instanton(L0: number, L1: number, k: number): U1Field {
  const lat = makeLattice([L0, L1]);
  const f = coldStart(lat, U1);
  const V = L0 * L1;
  for (let y = 0; y < L1; y++) {
    for (let x = 0; x < L0; x++) {
      const s = siteIndex(lat, [x, y]);
      f.theta[s * 2 + 1] = (2 * Math.PI * k * x) / V;
      if (x === L0 - 1) f.theta[s * 2] = (-2 * Math.PI * k * y) / L1;
    }
  }
  return f;
}

test('Q = 0 on cold starts; Q is an integer on hot 2D U(1) configurations and not always 0', () => {
  assert.is(topologicalCharge(coldStart(makeLattice([8, 8]), U1)), 0);
  const seen = new Set<number>();
  for (let r = 0; r < 30; r++) {
    const f = hotStart(makeLattice([8, 6]), U1, rng);
    const raw = topologicalChargeRaw(f);
    assert.ok(Math.abs(raw - Math.round(raw)) < 1e-12, `raw Q ${raw}`);
    seen.add(topologicalCharge(f));
  }
  assert.ok(seen.size >= 3, 'hot configurations sample several sectors');
});

test('constructed charge-k configurations give Q = k (also after a random gauge transformation); plaquette = cos(2πk/V)', () => {
  for (const [L0, L1] of [[8, 8], [6, 10]]) {
    for (const k of [-3, -1, 0, 1, 2, 5]) {
      const f = instanton(L0, L1, k);
      assert.is(topologicalCharge(f), k);
      const ang = plaquetteAngles2D(f);
      assert.ok(ang.every((a) => Math.abs(a - (2 * Math.PI * k) / (L0 * L1)) < 1e-12));
      assert.ok(Math.abs(averagePlaquette(f) - Math.cos((2 * Math.PI * k) / (L0 * L1))) < 1e-12);
      assert.is(topologicalCharge(applyGauge(f, randomGauge(f.lattice, U1, rng))), k);
    }
  }
});

test('topologicalCharge rejects non-2D and non-U(1) fields', () => {
  assert.throws(() => topologicalCharge(coldStart(makeLattice([4, 4, 4]), U1)), /2 dimensions/);
  assert.throws(() => topologicalCharge(coldStart(makeLattice([4, 4]), su(2)) as unknown as U1Field), /U\(1\)/);
});

test('W(1,1) equals the average plaquette (U(1) 2D/4D, SU(2), SU(3), SU(4))', () => {
  for (const [ext, g] of [[[6, 5], U1], [[3, 3, 4, 3], U1], [[4, 4], su(2)], [[3, 3, 3], su(3)], [[2, 3, 2, 2], su(4)]] as const) {
    const f = hotStart(makeLattice(ext as unknown as number[]), g, rng);
    assert.ok(Math.abs(wilsonLoop(f, 1, 1) - averagePlaquette(f)) < 1e-14);
  }
});

test('Wilson loops: 1 on cold starts; U(1) 2D W(R,T) of the charge-k field = cos(2πk R T/V) averaged; symmetric in R ↔ T', () => {
  for (const g of [U1, su(2), su(3)]) {
    const f = coldStart(makeLattice([4, 5, 3]), g);
    assert.ok(Math.abs(wilsonLoop(f, 2, 3) - 1) < 1e-14);
  }
  // On the constant-field configuration every R×T loop not crossing the transition line x = L0−1 → 0
  // encloses R·T plaquettes of angle 2πk/V; the ones that do cross pick up the same flux mod 2π.
  const f = instanton(8, 8, 1);
  for (const [R, T] of [[1, 2], [2, 3], [3, 3]]) {
    assert.ok(Math.abs(wilsonLoop(f, R, T) - Math.cos((2 * Math.PI * R * T) / 64)) < 1e-12);
    assert.ok(Math.abs(wilsonLoop(f, R, T) - wilsonLoop(f, T, R)) < 1e-14);
  }
  const h = hotStart(makeLattice([5, 4, 3]), su(3), rng);
  assert.ok(Math.abs(wilsonLoop(h, 1, 2) - wilsonLoop(h, 2, 1)) < 1e-14);
  assert.throws(() => wilsonLoop(h, 0, 1), /integers ≥ 1/);
});

test('U(1) Wilson loop = cos(Σ enclosed plaquette angles) (Stokes) on a random 2D field', () => {
  const lat = makeLattice([6, 6]);
  const f = hotStart(lat, U1, rng);
  const ang = plaquetteAngles2D(f);
  // W(2,2) orientation μ=0 then ν=1 at site x: enclosed plaquettes at x, x+0, x+1, x+0+1
  let s = 0;
  for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) {
    let a = 0;
    for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) a += ang[siteIndex(lat, [x + dx, y + dy])];
    s += Math.cos(a);
  }
  assert.ok(Math.abs(wilsonLoop(f, 2, 2) - s / 36) < 1e-12);
});

test('Polyakov loop: 1 on cold start; e^{iθ} for constant temporal links; centre element z·1 gives tr = z', () => {
  for (const g of [U1, su(2), su(3)]) {
    const p = polyakovLoop(coldStart(makeLattice([3, 4, 5]), g));
    assert.ok(Math.abs(p.re - 1) < 1e-15 && Math.abs(p.im) < 1e-15);
  }
  const lat = makeLattice([4, 4, 5]);
  const u = coldStart(lat, U1);
  for (let x = 0; x < lat.volume; x++) u.theta[x * 3 + 2] = 0.1;
  const pu = polyakovLoop(u);
  assert.ok(Math.abs(pu.re - Math.cos(0.5)) < 1e-14 && Math.abs(pu.im - Math.sin(0.5)) < 1e-14);
  // SU(3): put z = e^{2πi/3}·1 on the temporal links of the t = 0 slice only
  const f = coldStart(lat, su(3)) as SUNField;
  const c = Math.cos((2 * Math.PI) / 3), s = Math.sin((2 * Math.PI) / 3);
  for (let x = 0; x < 16; x++) for (let i = 0; i < 3; i++) {
    f.links[(x * 3 + 2) * 18 + 2 * (i * 3 + i)] = c;
    f.links[(x * 3 + 2) * 18 + 2 * (i * 3 + i) + 1] = s;
  }
  const p = polyakovLoop(f);
  assert.ok(Math.abs(p.re - c) < 1e-14 && Math.abs(p.im - s) < 1e-14);
  // ... which leaves the plaquette untouched (centre symmetry)
  assert.ok(Math.abs(averagePlaquette(f) - 1) < 1e-14);
});

test('SU(2) loops of the diagonal embedding diag(e^{iθ}, e^{−iθ}) of a U(1) field equal the U(1) loops', () => {
  for (const ext of [[5, 4], [3, 4, 3], [3, 3, 2, 4]]) {
    const lat = makeLattice(ext);
    const u = hotStart(lat, U1, rng);
    const g = coldStart(lat, su(2));
    for (let l = 0; l < lat.volume * lat.dims; l++) {
      const c = Math.cos(u.theta[l]), s = Math.sin(u.theta[l]);
      g.links.set([c, s, 0, 0, 0, 0, c, -s], 8 * l);
    }
    assert.ok(Math.abs(averagePlaquette(g) - averagePlaquette(u)) < 1e-13);
    for (const [R, T] of [[1, 1], [2, 1], [2, 3], [3, 3]]) {
      assert.ok(Math.abs(wilsonLoop(g, R, T) - wilsonLoop(u, R, T)) < 1e-13, `W(${R},${T}) ${ext}`);
    }
    const pg = polyakovLoop(g), pu = polyakovLoop(u);
    assert.ok(Math.abs(pg.re - pu.re) < 1e-13 && Math.abs(pg.im) < 1e-15);
  }
});

test.run();
