import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeLattice } from '../../lattices/geometry.ts';
import { U1, su, type Group } from '../../lattices/group.ts';
import { hotStart, isU1, type GaugeField, type U1Field } from '../../lattices/field.ts';
import { makeRng } from '../../lattices/random.ts';
import { wilsonAction, averagePlaquette } from '../../lattices/action.ts';
import { wilsonLoop, polyakovLoop, topologicalCharge, topologicalChargeRaw } from '../../lattices/observables.ts';
import { randomGauge, applyGauge } from '../../lattices/gauge.ts';
import { sunError } from '../../lattices/matrix.ts';

const rng = makeRng(11, 'gauge-test');

function observables(f: GaugeField): number[] {
  const p = polyakovLoop(f);
  const v = [wilsonAction(f, 2.1), averagePlaquette(f), wilsonLoop(f, 1, 1), wilsonLoop(f, 2, 1), wilsonLoop(f, 2, 3), p.re, p.im];
  if (f.group.kind === 'u1' && f.lattice.dims === 2) v.push(topologicalCharge(f as U1Field), topologicalChargeRaw(f as U1Field));
  return v;
}

const cases: [string, number[], Group][] = [
  ['U(1) 2D', [6, 5], U1],
  ['U(1) 4D', [3, 4, 3, 4], U1],
  ['U(1) 3D', [4, 3, 3], U1],
  ['SU(2) 2D', [4, 5], su(2)],
  ['SU(2) 4D', [3, 3, 3, 4], su(2)],
  ['SU(3) 3D', [3, 3, 4], su(3)],
  ['SU(3) 4D', [2, 3, 2, 3], su(3)],
  ['SU(4) 2D', [4, 3], su(4)],
  ['SU(4) 4D', [2, 2, 2, 3], su(4)],
];

for (const [name, ext, g] of cases) {
  test(`${name}: action, plaquette, Wilson loops, Polyakov loop (and Q) invariant under random Ω to 1e-12`, () => {
    const lat = makeLattice(ext);
    const f = hotStart(lat, g, rng);
    const before = observables(f);
    for (let r = 0; r < 2; r++) {
      const omega = randomGauge(lat, g, rng);
      const h = applyGauge(f, omega);
      const after = observables(h);
      for (let k = 0; k < before.length; k++) {
        assert.ok(Math.abs(after[k] - before[k]) < 1e-12 * Math.max(1, Math.abs(before[k])), `${name} observable ${k}: ${before[k]} → ${after[k]}`);
      }
      // the transformation really moved the links, and stays in the group
      if (isU1(h)) {
        assert.ok(Math.abs(h.theta[0] - (f as U1Field).theta[0]) > 1e-6);
        assert.ok(h.theta.every((t) => t > -Math.PI && t <= Math.PI));
      } else {
        const N = h.group.N, m = 2 * N * N;
        let e = 0;
        for (let l = 0; l < lat.volume * lat.dims; l++) e = Math.max(e, sunError(h.links, l * m, N));
        assert.ok(e < 1e-13);
      }
    }
  });
}

test('a gauge transformation is not a symmetry of single links: Ω changes a non-closed product', () => {
  const lat = makeLattice([4, 4]);
  const f = hotStart(lat, su(3), rng);
  const h = applyGauge(f, randomGauge(lat, su(3), rng));
  let diff = 0;
  for (let k = 0; k < 18; k++) diff += Math.abs(h.links[k] - f.links[k]);
  assert.ok(diff > 1e-3);
});

test('applyGauge rejects an Ω of the wrong size', () => {
  const lat = makeLattice([4, 4]);
  assert.throws(() => applyGauge(hotStart(lat, U1, rng), new Float64Array(3)), /needs 16 angles/);
  assert.throws(() => applyGauge(hotStart(lat, su(2), rng), new Float64Array(16)), /needs 128 values/);
});

test.run();
