/**
 * U(1) gauge coupling layers: gauge equivariance of links and log-det (d = 2, 3, 4), inverse, and
 * the log-density of a stack against a finite-difference Jacobian.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { randomGauge, applyGauge } from '../../../lattices/gauge.ts';
import { signedLogDet } from '../../../lattices/exact/logdet.ts';
import { U1GaugeCoupling, contextChannels, loopColumns } from '../../../src/flows/gauge/coupling.ts';
import { CircularConvNet } from '../../../src/flows/gauge/conv.ts';
import { layerPattern } from '../../../src/flows/gauge/masks.ts';
import { U1GaugeFlow } from '../../../src/flows/gauge/flow.ts';
import { linksToTensor } from '../../../src/flows/gauge/layout.ts';
import { makeCircleKernel, type CircleKernel } from '../../../src/flows/circle/kernel.ts';
import type { U1Field } from '../../../lattices/field.ts';

test.before(async () => {
  await initBackend();
});

/** Every kernel, with contexts large enough that the layers are far from the identity. */
const testKernels: Record<string, (rng: () => number) => CircleKernel> = {
  ircpm: (rng) => makeCircleKernel('ircpm', { modes: 3 }, rng),
  ncp: (rng) => makeCircleKernel('ncp', { mixtures: 3 }, rng),
  spline: (rng) => makeCircleKernel('spline', { bins: 6 }, rng),
  energy: (rng) => makeCircleKernel('energy', { beta: 2, sigma: [-1], correctionModes: 2, alpha: 0.2, m: 0.05 }, rng),
};

function makeLayer(dims: number, index: number, kernelName: string, seed: number): U1GaugeCoupling {
  const rng = makeRng('coupling-test', seed, index);
  const kernel = testKernels[kernelName]!(rng);
  const net = new CircularConvNet(dims, contextChannels(dims), [4], kernel.contextSize - loopColumns(kernel), 3, 'tanh', false, { rng, outScale: 1 });
  return new U1GaugeCoupling(dims, layerPattern(dims, index), net, kernel);
}

/** angle difference wrapped to (−π, π] */
function angDiff(a: number, b: number): number {
  const d = a - b;
  return d - 2 * Math.PI * Math.round(d / (2 * Math.PI));
}

function maxAngDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(angDiff(a[i]!, b[i]!)));
  return m;
}

function randomField(dims: number, L: number, seed: number): U1Field {
  const lattice = makeLattice(new Array(dims).fill(L));
  const rng = makeRng('field', seed);
  const theta = new Float64Array(lattice.volume * dims);
  for (let i = 0; i < theta.length; i++) theta[i] = Math.PI * (2 * rng() - 1);
  return { group: { kind: 'u1' }, lattice, theta };
}

for (const kernelName of Object.keys(testKernels)) {
  for (const dims of [2, 3, 4]) {
    test(`${kernelName} ${dims}D: gauge equivariance of links and log-det, every mask of a cycle`, () => {
      const L = 4;
      const nLayers = dims === 2 ? 8 : dims; // 2D: a whole cycle (μ × offset)
      for (let index = 0; index < nLayers; index++) {
        const layer = makeLayer(dims, index * (dims === 2 ? 1 : 5), kernelName, 1);
        const f = randomField(dims, L, 10 + index);
        const g = applyGauge(f, randomGauge(f.lattice, { kind: 'u1' }, makeRng('omega', index)));
        const a = layer.forward(linksToTensor(f.lattice, f.theta, 1));
        const b = layer.forward(linksToTensor(g.lattice, g.theta, 1));
        const fa: U1Field = { group: f.group, lattice: f.lattice, theta: Float64Array.from(a.y.dataSync()) };
        const ga = applyGauge(fa, randomGauge(f.lattice, { kind: 'u1' }, makeRng('omega', index)));
        assert.ok(maxAngDiff(ga.theta, b.y.dataSync()) < 2e-4, `links: layer ${index}`);
        const la = a.logdet.dataSync()[0]!, lb = b.logdet.dataSync()[0]!;
        assert.ok(Math.abs(la - lb) < 1e-4 * (1 + Math.abs(la)), `log-det ${la} vs ${lb}`);
        assert.ok(Math.abs(la) > 1e-3, 'the layer does something');
        // the layer moves only its active links, and some of them
        assert.ok(maxAngDiff(fa.theta, f.theta) > 1e-2);
        layer.dispose();
      }
    });

    test(`${kernelName} ${dims}D: inverse(forward(U)) = U, log-dets opposite`, () => {
      const layer = makeLayer(dims, 1, kernelName, 2);
      const f = randomField(dims, 4, 3);
      const x = linksToTensor(f.lattice, f.theta, 1);
      const a = layer.forward(x);
      const b = layer.inverse(a.y);
      assert.ok(maxAngDiff(b.x.dataSync(), f.theta) < 2e-4);
      assert.ok(Math.abs(a.logdet.dataSync()[0]! + b.logdet.dataSync()[0]!) < 1e-3);
      layer.dispose();
    });
  }

  test(`${kernelName} 2D: the hand-written loop kernels (loops2d.ts) equal the general tf-op path, values and gradients`, () => {
    const layer = makeLayer(2, 3, kernelName, 4);
    const f = randomField(2, 8, 9);
    const x = linksToTensor(f.lattice, f.theta, 1);
    const w = tf.tensor(Float32Array.from({ length: x.size }, (_, i) => Math.sin(3 * i)), x.shape);
    const run = (stencil: boolean) => {
      layer.useLoopKernels = stencil;
      const a = layer.forward(x);
      // d/d(links, variables) of Σ w·y + log det: through the features, the stripe loops and the update
      const loss = (links: tf.Tensor) => tf.add(tf.sum(tf.mul(layer.forward(links).y, w)), tf.sum(layer.forward(links).logdet)) as tf.Scalar;
      const gx = tf.grad(loss)(x);
      const { grads } = tf.variableGrads(() => loss(x), layer.variables);
      return { a, gx, gv: layer.variables.map((v) => grads[v.name]!) };
    };
    const fast = run(true);
    const slow = run(false);
    assert.ok(maxAngDiff(fast.a.y.dataSync(), slow.a.y.dataSync()) < 1e-4);
    assert.ok(Math.abs(fast.a.logdet.dataSync()[0]! - slow.a.logdet.dataSync()[0]!) < 1e-3);
    const close = (p: tf.Tensor, q: tf.Tensor, what: string) => {
      const d = tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]!;
      const sc = tf.max(tf.abs(q)).dataSync()[0]!;
      assert.ok(d < 1e-3 * (1 + sc), `${what}: max diff ${d} (scale ${sc})`);
    };
    close(fast.gx, slow.gx, 'd/dlinks');
    fast.gv.forEach((g, i) => close(g, slow.gv[i]!, `d/d${layer.variables[i]!.name}`));
    layer.dispose();
  });

  test(`${kernelName}: log q of a 3-layer stack on 4×4 against a finite-difference Jacobian`, () => {
    const dims = 2;
    const layers = [0, 1, 2].map((i) => makeLayer(dims, i, kernelName, 5));
    const flow = new U1GaugeFlow(dims, layers);
    const f = randomField(dims, 4, 7);
    const n = f.theta.length;
    const apply = (theta: Float64Array): Float64Array => {
      const y = tf.tidy(() => {
        let x = linksToTensor(f.lattice, theta, 1);
        for (const l of layers) x = l.forward(x).y;
        return x;
      });
      const out = Float64Array.from(y.dataSync());
      y.dispose();
      return out;
    };
    const y0 = apply(f.theta);
    const eps = 2e-3; // float32 rounding ~1e-4 per entry; small enough for the spline’s C¹ knots
    const J = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      const p = f.theta.slice(), m = f.theta.slice();
      p[j] += eps;
      m[j] -= eps;
      const yp = apply(p), ym = apply(m);
      for (let i = 0; i < n; i++) J[i * n + j] = angDiff(yp[i]!, ym[i]!) / (2 * eps);
    }
    const { sign, log } = signedLogDet(J, n);
    assert.is(sign, 1);
    const lq = flow.logProb(linksToTensor(f.lattice, y0, 1)).logq.dataSync()[0]!;
    // log q(y) = log q₀(x) − log|det ∂y/∂x| with q₀ = 1 (normalised Haar)
    assert.ok(Math.abs(lq + log) < 2e-2, `log q ${lq} vs −log|det J| ${-log}`);
    assert.ok(Math.abs(log) > 0.05, `the stack is far from the identity (log|det J| = ${log})`);
    flow.dispose();
  });
}

test.run();
