/**
 * The hand-written 2D loop kernels (loops2d.ts) against the same quantities built from tf ops
 * (layout.ts shifts, masks.ts stripes): values, and gradients both against tf autodiff of the op
 * version and against central differences; non-square lattices and both orientations of the plane.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { loopFeatures2D, sinCos, stripeLoop2D } from '../../../src/flows/gauge/loops2d.ts';
import { orientedPlaquette, shiftSites } from '../../../src/flows/gauge/layout.ts';
import { frozenPlaquetteMask, takeStripe, type CouplingPattern } from '../../../src/flows/gauge/masks.ts';
import { wrapAngle } from '../../../src/manifolds/torus.ts';

test.before(async () => {
  await initBackend();
});

const patterns: CouplingPattern[] = [
  { mu: 0, nu: 1, off: 0 },
  { mu: 1, nu: 0, off: 2 },
  { mu: 0, nu: 1, off: 3 },
];
const shape = [2, 8, 4, 2]; // B = 2, L1 = 8, L0 = 4

function links(seed: string): tf.Tensor {
  const rng = makeRng('loops2d', seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.PI * (2 * rng() - 1)), shape);
}

function weights(s: number[], seed: string): tf.Tensor {
  const rng = makeRng('loops2d-w', seed);
  return tf.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => 2 * rng() - 1), s);
}

/** (P, R) on the lattice from tf ops: the stored plaquette and the rectangle O_μν(x) + O_μν(x − ν̂). */
function opLoops(x: tf.Tensor, pat: CouplingPattern): tf.Tensor {
  const A = orientedPlaquette(x, 2, pat.mu, pat.nu);
  return tf.stack([orientedPlaquette(x, 2, 0, 1), tf.add(A, shiftSites(A, 2, pat.nu, -1))], 3);
}

function mask(pat: CouplingPattern): { t: tf.Tensor; v: Float32Array } {
  const lattice = makeLattice([4, 8]);
  const ones = tf.ones([1, 8, 4, 1]);
  // any 0/1 mask per channel does; this one zeroes different sites in the two loop channels
  const stripe = tf.mul(ones, frozenPlaquetteMask(lattice, { ...pat, off: (pat.off + 3) % 4 }));
  const m = tf.concat([frozenPlaquetteMask(lattice, pat), stripe, frozenPlaquetteMask(lattice, pat), stripe], 3);
  return { t: m, v: m.dataSync() as Float32Array };
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
}

for (const pat of patterns) {
  const name = `μ=${pat.mu} ν=${pat.nu} off=${pat.off}`;

  test(`loopFeatures2D (${name}): values and gradient = the tf-op features (masked cos, sin of P and R)`, () => {
    const x = links(name);
    const m = mask(pat);
    const opFeatures = (t: tf.Tensor) => {
      const l = opLoops(t, pat);
      return tf.mul(tf.concat([tf.cos(l), tf.sin(l)], 3), m.t);
    };
    const ours = loopFeatures2D(x, pat, m.v);
    assert.equal(ours.shape, [2, 8, 4, 4]);
    assert.ok(maxDiff(ours, opFeatures(x)) < 1e-5);
    const w = weights(ours.shape, name);
    const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(loopFeatures2D(t, pat, m.v), w)))(x);
    const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(opFeatures(t), w)))(x);
    assert.ok(tf.max(tf.abs(g2)).dataSync()[0]! > 0.1);
    assert.ok(maxDiff(g1, g2) < 1e-4, `gradient max diff ${maxDiff(g1, g2)}`);
  });

  test(`stripeLoop2D (${name}): wrapped A = O_μν and c = R on the stripe, each gradient = tf-op version`, () => {
    const x = links(`s${name}`);
    const opStripe = (t: tf.Tensor) => {
      const l = tf.reshape(takeStripe(opLoops(t, pat), 2, pat), [-1, 2]);
      const s = pat.mu < pat.nu ? 1 : -1;
      return { A: tf.reshape(tf.slice(l, [0, 0], [-1, 1]), [-1]).mul(s), c: tf.reshape(tf.slice(l, [0, 1], [-1, 1]), [-1]) };
    };
    const ourStripe = (t: tf.Tensor) => ({ A: stripeLoop2D(t, pat, 'plaquette'), c: stripeLoop2D(t, pat, 'rectangle') });
    const ours = ourStripe(x);
    const ref = opStripe(x);
    assert.equal(ours.A.shape, [2 * 8]);
    assert.ok(maxDiff(ours.A, wrapAngle(ref.A)) < 1e-5);
    assert.ok(maxDiff(ours.c, wrapAngle(ref.c)) < 1e-5);
    assert.ok(tf.max(ours.A).dataSync()[0]! < Math.PI && tf.min(ours.c).dataSync()[0]! >= -Math.PI);
    for (const loop of ['A', 'c'] as const) {
      const w = weights([16], `${loop}${name}`);
      const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(ourStripe(t)[loop], w)))(x);
      const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(opStripe(t)[loop], w)))(x);
      assert.ok(tf.max(tf.abs(g2)).dataSync()[0]! > 0.1);
      assert.ok(maxDiff(g1, g2) < 1e-5, `${loop}: gradient max diff ${maxDiff(g1, g2)}`);
    }
  });
}

test('sinCos: within 2e-10 of Math.cos and Math.sin over the range of the loop angles (|a| ≤ 4π), branch cuts included', () => {
  const out = new Float64Array(2);
  let worst = 0;
  const angles = [0, Math.PI, -Math.PI, 2 * Math.PI, -4 * Math.PI, 4 * Math.PI, Math.PI / 2, 3 * Math.PI + 1e-9, -3 * Math.PI - 1e-9];
  for (let i = 0; i <= 20000; i++) angles.push(-4 * Math.PI + (8 * Math.PI * i) / 20000);
  for (const a of angles) {
    sinCos(a, out, 0);
    worst = Math.max(worst, Math.abs(out[0]! - Math.cos(a)), Math.abs(out[1]! - Math.sin(a)));
  }
  assert.ok(worst < 2e-10, `largest deviation ${worst}`);
});

test('loopFeatures2D: gradient against central differences (float64 sums of the float32 features)', () => {
  const pat = patterns[1]!;
  const x = links('fd');
  const m = mask(pat);
  const w = weights([2, 8, 4, 4], 'fd');
  const wv = w.dataSync();
  const f = (v: Float32Array) => {
    const y = loopFeatures2D(tf.tensor(v, shape), pat, m.v).dataSync();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * wv[i]!;
    return s;
  };
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(loopFeatures2D(t, pat, m.v), w)))(x).dataSync();
  const v = x.dataSync() as Float32Array;
  const eps = 1e-2;
  for (const i of [0, 1, 5, 17, 40, 63, 127]) {
    const p = Float32Array.from(v), q = Float32Array.from(v);
    p[i] += eps;
    q[i] -= eps;
    const fd = (f(p) - f(q)) / (2 * eps);
    assert.ok(Math.abs(fd - g[i]!) < 2e-3 * (1 + Math.abs(fd)), `link ${i}: autodiff ${g[i]} vs fd ${fd}`);
  }
});

test('loopFeatures2D: a mask of the wrong size is an error', () => {
  assert.throws(() => loopFeatures2D(links('e'), patterns[0]!, new Float32Array(3)), /mask has 3 entries/);
  assert.throws(() => loopFeatures2D(tf.zeros([1, 4, 4, 3]), patterns[0]!, new Float32Array(64)), /shape \[B, L1, L0, 2\]/);
});

test.run();
