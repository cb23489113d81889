/**
 * SU(N) spectral coupling layers on the lattice (src/flows/sun/coupling.ts): gauge equivariance of
 * links and log-det under a random gauge transformation (SU(2), SU(3); d = 2 and 4), inverse, only
 * the active links move, and the log-det equals the sum of the per-loop spectral log-dets; for the
 * 'energy' and 'cnf' kernels also, and the energy kernel's local-action matrix against the float64
 * plaquettes of lattices/.
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
import { cmul, ctrace } from '../../../src/flows/sun/complex.ts';
import { eigUnitaryTf } from '../../../src/flows/sun/eig.ts';
import { eigenbasisDiagonal } from '../../../src/flows/sun/spectral.ts';
import { siteCoords } from '../../../lattices/geometry.ts';
import { mul, reTraceMulAdjB } from '../../../lattices/matrix.ts';

test.before(async () => {
  await initBackend();
});

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A layer far from the identity: conditioner and potential outputs scaled up (and the energy skip on). */
function movingLayer(dims: number, N: number, index: number, seed: string, energyBeta?: number, kernel?: 'cnf'): SUNSpectralCoupling {
  const layer = new SUNSpectralCoupling(dims, N, layerPattern(dims, index), makeRng('sun-coupling', seed), { outScale: 1, ...(energyBeta !== undefined ? { energyBeta } : {}), ...(kernel ? { kernel } : {}) });
  const vars = layer.kernel.variables;
  const wOut = vars.find((v) => v.shape[1] === 1 && v.shape[0] === 16)!;
  wOut.assign(tf.mul(wOut, kernel === 'cnf' ? 10 : N === 2 ? 80 : 30));
  const skip = vars.find((v) => v.shape[0] === 2 && v.shape[1] === 1);
  assert.is(skip !== undefined, energyBeta !== undefined, 'the energy kernel (only) has a skip');
  skip?.assign(tf.tensor2d([[-0.15], [0.1]]));
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

const cases: [number, number, number[], number, number?, 'cnf'?][] = [
  [2, 2, [8, 4], 0],
  [2, 3, [4, 8], 5],
  [4, 2, [4, 4, 4, 4], 1],
  [4, 3, [4, 4, 4, 4], 6],
  [2, 2, [8, 4], 1, 4],
  [2, 3, [4, 8], 2, 8],
  [4, 3, [4, 4, 4, 4], 7, 2],
  [2, 2, [8, 4], 3, undefined, 'cnf'],
  [2, 3, [4, 8], 4, undefined, 'cnf'],
  [4, 3, [4, 4, 4, 4], 5, undefined, 'cnf'],
];

for (const [dims, N, extents, index, energyBeta, cnf] of cases) {
  const kind = cnf ?? (energyBeta === undefined ? 'ircpm' : `energy β=${energyBeta}`);
  test(`SU(${N}) spectral coupling (${kind}), d = ${dims} (${extents.join('×')}, layer ${index}): gauge-equivariant links and log-det; inverse; only active links move`, () => {
    const lattice = makeLattice(extents);
    const layer = movingLayer(dims, N, index, `${dims}-${N}`, energyBeta, cnf);
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
      assert.ok(back.ok.dataSync().every((o) => o === 1), 'inverse ok');
      // the CNF inverse is Newton's method on every RK4 step to a residual of 2e-5 rad (cnf/layer.ts)
      const invTol = cnf ? 1e-4 : 5e-5;
      const invErr = maxAbs(tensorsToSunLinks(back.x), x);
      assert.ok(invErr < invTol, `inverse: ${invErr}`);
      assert.ok(maxAbs(back.logdet.dataSync(), Array.from(ld, (v) => -v)) < 2e-3 * Math.max(1, ...Array.from(ld, Math.abs)), 'inverse log-det');
    });
    layer.dispose();
  });
}

/** Σ Re tr P_μν(x) over the sites with x_ν ≡ off or off − 1 (mod 4): float64, from lattices/. */
function activeAndPassiveTrace(field: SUNField, mu: number, nu: number, off: number): number {
  const N = field.group.N, m = 2 * N * N, U = field.links, lat = field.lattice, d = lat.dims, fwd = lat.fwd;
  const a = new Float64Array(m), b = new Float64Array(m);
  let s = 0;
  for (let x = 0; x < lat.volume; x++) {
    const xn = siteCoords(lat, x)[nu];
    if (xn % 4 !== off && xn % 4 !== (off + 3) % 4) continue;
    mul(U, (x * d + mu) * m, U, (fwd[x * d + mu] * d + nu) * m, a, 0, N);
    mul(U, (x * d + nu) * m, U, (fwd[x * d + nu] * d + mu) * m, b, 0, N);
    s += reTraceMulAdjB(a, 0, b, 0, N);
  }
  return s;
}

for (const [dims, N, extents, index] of [[2, 2, [8, 4], 1], [2, 3, [4, 8], 2], [4, 3, [4, 4, 4, 4], 7]] as const) {
  test(`SU(${N}) energy kernel, d = ${dims}: Re tr(W A) at the active links is the action of their active and passive plaquettes; Σ_j a_j e^{iθ_j} = tr(W A)`, () => {
    const lattice = makeLattice([...extents]);
    const layer = new SUNSpectralCoupling(dims, N, layerPattern(dims, index), makeRng('sun-coupling-energy'), { energyBeta: 3 });
    const [field] = batchFields(lattice, N, 1, `energy-${dims}-${N}`);
    const { mu, nu, off } = layer.pattern;
    tf.tidy(() => {
      const { W, A } = layer.loops(sunLinksToTensors(lattice, N, field.links, 1));
      const WA = cmul(W, A!);
      const trWA = ctrace(WA);
      const got = tf.sum(trWA.re).dataSync()[0];
      const want = activeAndPassiveTrace(field, mu, nu, off);
      assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, Math.abs(want)) + 1e-3, `Σ Re tr(W A) = ${got} vs plaquettes ${want}`);
      // the eigenbasis diagonal the kernel sees: tr(W A) = Σ_j e^{iθ_j} (V†AV)_jj
      const eig = eigUnitaryTf(W);
      const a = eigenbasisDiagonal(eig.V, A!);
      const n = W.re.shape[0];
      const c = tf.cos(eig.theta), s = tf.sin(eig.theta);
      const aRe = tf.slice(a, [0, 0], [n, N]), aIm = tf.slice(a, [0, N], [n, N]);
      const sumRe = tf.sum(tf.sub(tf.mul(aRe, c), tf.mul(aIm, s)), 1).dataSync();
      const sumIm = tf.sum(tf.add(tf.mul(aIm, c), tf.mul(aRe, s)), 1).dataSync();
      assert.ok(maxAbs(sumRe, trWA.re.dataSync()) < 1e-4 && maxAbs(sumIm, trWA.im.dataSync()) < 1e-4, 'Σ_j a_j e^{iθ_j} = tr(W A)');
    });
    layer.dispose();
  });
}

test.run();
