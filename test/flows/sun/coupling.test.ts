/**
 * SU(N) spectral coupling layers on the lattice (src/flows/sun/coupling.ts): gauge equivariance of
 * links and log-det under a random gauge transformation (SU(2), SU(3); d = 2 and 4), inverse, only
 * the active links move, and the log-det equals the sum of the per-loop spectral log-dets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { su } from '../../../lattices/group.ts';
import { hotStart, type SUNField } from '../../../lattices/field.ts';
import { applyGauge, randomGauge } from '../../../lattices/gauge.ts';
import { layerPattern } from '../../../src/flows/gauge/masks.ts';
import { SUNSpectralCoupling } from '../../../src/flows/sun/coupling.ts';
import { sunLinksToTensors, tensorsToSunLinks } from '../../../src/flows/sun/links.ts';

test.before(async () => {
  await initBackend();
});

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A layer far from the identity: conditioner and potential outputs scaled up. */
function movingLayer(dims: number, N: number, index: number, seed: string): SUNSpectralCoupling {
  const layer = new SUNSpectralCoupling(dims, N, layerPattern(dims, index), makeRng('sun-coupling', seed), { outScale: 1 });
  const vars = layer.kernel.potential.variables;
  const wOut = vars.find((v) => v.shape[1] === 1 && v.shape[0] === 16)!;
  wOut.assign(tf.mul(wOut, N === 2 ? 80 : 30));
  return layer;
}

function batchFields(lattice: ReturnType<typeof makeLattice>, N: number, B: number, seed: string): SUNField[] {
  const rng = makeRng('sun-coupling-fields', seed);
  return Array.from({ length: B }, () => hotStart(lattice, su(N), rng));
}

const concat = (fs: SUNField[]) => {
  const out = new Float64Array(fs.reduce((s, f) => s + f.links.length, 0));
  let o = 0;
  for (const f of fs) {
    out.set(f.links, o);
    o += f.links.length;
  }
  return out;
};

const cases: [number, number, number[], number][] = [
  [2, 2, [8, 4], 0],
  [2, 3, [4, 8], 5],
  [4, 2, [4, 4, 4, 4], 1],
  [4, 3, [4, 4, 4, 4], 6],
];

for (const [dims, N, extents, index] of cases) {
  test(`SU(${N}) spectral coupling, d = ${dims} (${extents.join('×')}, layer ${index}): gauge-equivariant links and log-det; inverse; only active links move`, () => {
    const lattice = makeLattice(extents);
    const layer = movingLayer(dims, N, index, `${dims}-${N}`);
    const B = 2;
    const fields = batchFields(lattice, N, B, `${dims}-${N}`);
    const omegas = fields.map((_, b) => randomGauge(lattice, su(N), makeRng('omega', dims, N, b)));
    const gauged = fields.map((f, b) => applyGauge(f, omegas[b]));
    tf.tidy(() => {
      const f = layer.forward(sunLinksToTensors(lattice, N, concat(fields), B));
      const g = layer.forward(sunLinksToTensors(lattice, N, concat(gauged), B));
      assert.ok(f.ok.dataSync().every((o) => o === 1) && g.ok.dataSync().every((o) => o === 1), 'all loops ok');
      const y = tensorsToSunLinks(f.y);
      const per = y.length / B;
      const yGauged = concat(fields.map((fl, b) => applyGauge({ ...fl, links: y.slice(b * per, (b + 1) * per) }, omegas[b])));
      const err = maxAbs(tensorsToSunLinks(g.y), yGauged);
      assert.ok(err < 5e-5, `links: |f(Ω·U) − Ω·f(U)| = ${err}`);
      const ld = f.logdet.dataSync(), lg = g.logdet.dataSync();
      assert.ok(maxAbs(ld, lg) < 2e-3 * Math.max(1, ...Array.from(ld, Math.abs)), `log-det ${ld} vs ${lg}`);
      assert.ok(Math.max(...Array.from(ld, Math.abs)) > 0.1, `the layer is not trivial (log-det ${ld})`);
      // only the active links (one direction, a quarter of the sites) moved, and they did move
      const x = concat(fields);
      const m = 2 * N * N;
      let moved = 0, movedMax = 0;
      for (let l = 0; l < x.length / m; l++) {
        const dl = maxAbs(x.subarray(l * m, (l + 1) * m), y.subarray(l * m, (l + 1) * m));
        if (dl > 1e-5) moved++;
        movedMax = Math.max(movedMax, dl);
      }
      assert.is(moved, (B * lattice.volume) / 4, 'a quarter of one direction moves');
      assert.ok(movedMax > 0.05);
      const back = layer.inverse(f.y);
      assert.ok(maxAbs(tensorsToSunLinks(back.x), x) < 5e-5, 'inverse');
      assert.ok(maxAbs(back.logdet.dataSync(), Array.from(ld, (v) => -v)) < 2e-3 * Math.max(1, ...Array.from(ld, Math.abs)), 'inverse log-det');
    });
    layer.dispose();
  });
}

test.run();
