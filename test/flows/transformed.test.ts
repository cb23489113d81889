import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../../src/backend/index.ts';
import { torus, sphere, wrapAngle } from '../../src/manifolds/index.ts';
import type { Manifold } from '../../src/manifolds/types.ts';
import type { Bijector } from '../../src/flows/bijector.ts';
import { TransformedFlow, UniformBase } from '../../src/flows/transformed.ts';
import { IRCPMLayer } from '../../src/flows/ircpm/layer.ts';
import { makeIRCPM } from '../../src/flows/ircpm/stack.ts';
import { MLPPotential, fourierFrequencies } from '../../src/flows/potentials.ts';
import { CNF } from '../../src/flows/cnf/cnf.ts';

test.before(async () => {
  await initBackend();
});

const arr = (t: tf.Tensor) => Array.from(t.dataSync());

/** An IRCPM layer far from the identity (the initial output layer of the MLP is tiny). */
function ircpmLayer(M: Manifold, seed: string, scale: number): IRCPMLayer {
  const m = M.ambientDim;
  const features = M.name.startsWith('sphere') ? ({ kind: 'ambient' } as const) : ({ kind: 'fourier', frequencies: fourierFrequencies(m, 1) } as const);
  const psi = new MLPPotential({ kind: 'mlp', inputDim: m, features, hidden: [16, 16] }, seedrandom(seed));
  const w = psi.variables[psi.variables.length - 1];
  w.assign(tf.mul(w, scale));
  return new IRCPMLayer(M, psi);
}

/** A CNF (exact mode) whose output layer is scaled up. */
function cnfFlow(M: Manifold, seed: string, scale: number): CNF {
  const f = new CNF(M, seedrandom(seed), { hidden: [12, 12], steps: 4, frequencies: 2 });
  const w = f.variables[f.variables.length - 1];
  w.assign(tf.mul(w, scale));
  return f;
}

test('forward then inverse through the contract: x back to 1e-4 and forward.logdet = −inverse.logdet (IRCPM on T², S²; CNF on T²)', () => {
  const cases: [string, Manifold, Bijector<tf.Tensor2D>][] = [
    ['ircpm T²', torus(2), ircpmLayer(torus(2), 'rt-t', 100)],
    ['ircpm S²', sphere(2), ircpmLayer(sphere(2), 'rt-s', 150)],
    ['cnf T²', torus(2), cnfFlow(torus(2), 'rt-c', 6).layer],
  ];
  for (const [name, M, layer] of cases) {
    const x = M.sampleUniform(200, seedrandom(name));
    const f = layer.forward(x);
    const b = layer.inverse(f.y);
    const okF = arr(f.ok);
    const okB = arr(b.ok);
    const d = arr(M.dist(b.x, x));
    const lf = arr(f.logdet);
    const lb = arr(b.logdet);
    let used = 0;
    for (let i = 0; i < 200; i++) {
      if (!okF[i] || !okB[i]) continue;
      used++;
      assert.ok(d[i] < 1e-4, `${name}: d(x, g(f(x))) = ${d[i]}`);
      assert.ok(Math.abs(lf[i] + lb[i]) < 2e-4, `${name}: forward ${lf[i]} + inverse ${lb[i]} ≠ 0`);
    }
    assert.ok(used >= 190, `${name}: only ${used}/200 samples ok both ways`);
    assert.ok(Math.max(...lf.map(Math.abs)) > 0.3, `${name}: the layer is too close to the identity to test anything`);
    tf.dispose([x, f.y, f.logdet, f.ok, b.x, b.logdet, b.ok]);
  }
});

test('a TransformedFlow of mixed layers (IRCPM, CNF, IRCPM on T²): log q of samples = logProb, and ∫ exp(logProb) = 1 on a grid', () => {
  const M = torus(2);
  const layers = [ircpmLayer(M, 'mix-1', 20), cnfFlow(M, 'mix-2', 2).layer, ircpmLayer(M, 'mix-3', 20)];
  const flow = new TransformedFlow(M, layers);
  assert.is(flow.variables.length, layers.reduce((s, l) => s + l.variables.length, 0));
  const s = flow.sample(300, seedrandom('mix'));
  const lq = arr(s.logq);
  const lp = arr(flow.logProb(s.x));
  const ok = arr(s.ok);
  let used = 0;
  lq.forEach((v, i) => {
    if (!ok[i]) return;
    used++;
    assert.ok(Math.abs(v - lp[i]) < 5e-4, `sample ${i}: log q ${v} vs logProb ${lp[i]}`);
  });
  assert.ok(used >= 290, `${used}/300 ok`);
  assert.ok(Math.max(...lq) - Math.min(...lq) > 1, 'the flow is too close to uniform for a meaningful test');
  // midpoint rule on a 40×40 grid: spectrally accurate for a smooth periodic density
  const G = 40;
  const pts: number[] = [];
  for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) pts.push(-Math.PI + ((i + 0.5) * 2 * Math.PI) / G, -Math.PI + ((j + 0.5) * 2 * Math.PI) / G);
  const dens = arr(flow.logProb(tf.tensor2d(pts, [G * G, 2])));
  assert.ok(dens.every(Number.isFinite), 'every grid point has a density');
  const integral = dens.reduce((a, v) => a + Math.exp(v), 0) * ((2 * Math.PI) / G) ** 2;
  assert.ok(Math.abs(integral - 1) < 2e-3, `∫ q = ${integral}`);
});

/** A fixed shift on T² whose `ok` is 1 only where the input (forward) or output (inverse) has x₀ > 0. */
function flaggedShift(shift: number): Bijector<tf.Tensor2D> {
  const flag = (x: tf.Tensor2D) => tf.tidy(() => tf.cast(tf.greater(tf.slice(x, [0, 0], [-1, 1]).reshape([-1]), 0), 'float32') as tf.Tensor1D);
  return {
    variables: [],
    forward: (x) => ({ y: wrapAngle(tf.add(x, shift)) as tf.Tensor2D, logdet: tf.zeros([x.shape[0]]) as tf.Tensor1D, ok: flag(x) }),
    inverse: (y) => ({ x: wrapAngle(tf.sub(y, shift)) as tf.Tensor2D, logdet: tf.zeros([y.shape[0]]) as tf.Tensor1D, ok: flag(y) }),
  };
}

test('ok propagates: a sample is ok only where every layer is, logProb is NaN where an inverse is not ok', () => {
  const M = torus(2);
  const flow = new TransformedFlow(M, [flaggedShift(0.5), flaggedShift(1.0)]);
  const n = 400;
  const s = flow.sample(n, seedrandom('ok'));
  const x0 = arr(new UniformBase(M).sample(n, seedrandom('ok')));
  const wrap = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
  const ok = arr(s.ok);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const expected = x0[2 * i] > 0 && wrap(x0[2 * i] + 0.5) > 0 ? 1 : 0;
    assert.is(ok[i], expected, `sample ${i} (x₀ = ${x0[2 * i]})`);
    count += expected;
  }
  assert.ok(count > 50 && count < 350);
  assert.ok(Math.abs(flow.lastOkFraction - count / n) < 1e-12);
  // the uniform base pushed through shifts stays uniform: log q = −log(4π²) on every sample
  arr(s.logq).forEach((v) => assert.ok(Math.abs(v + Math.log(4 * Math.PI * Math.PI)) < 1e-6));
  const lp = arr(flow.logProb(s.x));
  const y = arr(s.x);
  for (let i = 0; i < n; i++) {
    const okBack = y[2 * i] > 0 && wrap(y[2 * i] - 1.0) > 0;
    assert.is(Number.isNaN(lp[i]), !okBack, `logProb at sample ${i}`);
  }
});

test('IRCPMFlow is the TransformedFlow of its layers: same samples and densities as a hand-built one; shared variables counted once', () => {
  const M = sphere(2);
  const flow = makeIRCPM(M, seedrandom('stack'), { layers: 3, shared: true, hidden: [8, 8] });
  const w = flow.potentials[0].variables.at(-1)!;
  w.assign(tf.mul(w, 30));
  assert.ok(flow instanceof TransformedFlow);
  assert.is(flow.variables.length, flow.potentials[0].variables.length);
  const byHand = new TransformedFlow(M, flow.layers);
  const a = flow.sample(100, seedrandom('s'));
  const b = byHand.sample(100, seedrandom('s'));
  assert.equal(arr(a.x), arr(b.x));
  assert.equal(arr(a.logq), arr(b.logq));
  const x = M.sampleUniform(50, seedrandom('p'));
  assert.equal(arr(flow.logProb(x)), arr(byHand.logProb(x)));
});

test('bad input: a flow without layers, a context given to a CNF layer', () => {
  assert.throws(() => new TransformedFlow(torus(2), []), /at least one layer/);
  const layer = cnfFlow(torus(2), 'ctx', 1).layer;
  assert.throws(() => layer.forward(tf.zeros([2, 2]) as tf.Tensor2D, tf.zeros([2, 1])), /no context/);
});

test.run();
