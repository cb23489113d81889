/**
 * The hand-written link update of the coupling layers (stripe-update.ts) against the tf-op version
 * (putStripe, a pad onto direction μ, add, wrap): values and gradients, d = 2, 3, 4.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeRng } from '../../../lattices/random.ts';
import { addToStripe } from '../../../src/flows/gauge/stripe-update.ts';
import { layerPattern, putStripe, type CouplingPattern } from '../../../src/flows/gauge/masks.ts';
import { wrapAngle } from '../../../src/manifolds/torus.ts';

test.before(async () => {
  await initBackend();
});

function rand(shape: number[], seed: string, scale = Math.PI): tf.Tensor {
  const rng = makeRng('stripe-update', seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * (2 * rng() - 1)), shape);
}

function opUpdate(links: tf.Tensor, delta: tf.Tensor, d: number, pat: CouplingPattern): tf.Tensor {
  const stripeShape = links.shape.slice(0, -1);
  stripeShape[d - pat.nu] = stripeShape[d - pat.nu]! / 4;
  const full = putStripe(tf.reshape(delta, stripeShape), d, pat);
  const onMu = tf.pad(tf.reshape(full, [-1, 1]), [[0, 0], [pat.mu, d - 1 - pat.mu]]);
  return wrapAngle(tf.add(links, tf.reshape(onMu, links.shape)));
}

for (const d of [2, 3, 4]) {
  test(`${d}D: values and gradients = the tf-op update, every pattern of a pass`, () => {
    const ext = d === 2 ? [8, 4] : d === 3 ? [4, 8, 4] : [4, 4, 4, 4];
    const shape = [2, ...ext, d];
    const V = ext.reduce((a, b) => a * b, 1);
    for (let i = 0; i < d * 4 * (d - 1); i += d === 2 ? 1 : 3) {
      const pat = layerPattern(d, i);
      const x = rand(shape, `x${d}${i}`);
      const delta = rand([2 * V / 4], `d${d}${i}`, 4); // large enough to wrap
      const a = addToStripe(x, delta, d, pat);
      const b = opUpdate(x, delta, d, pat);
      assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! < 1e-5, `pattern ${JSON.stringify(pat)}`);
      const w = rand(shape, `w${d}${i}`, 1);
      const [g1x, g1d] = tf.grads((l: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(addToStripe(l, e, d, pat), w)))([x, delta]);
      const [g2x, g2d] = tf.grads((l: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(opUpdate(l, e, d, pat), w)))([x, delta]);
      assert.ok(tf.max(tf.abs(tf.sub(g1x!, g2x!))).dataSync()[0]! < 1e-6);
      assert.ok(tf.max(tf.abs(tf.sub(g1d!, g2d!))).dataSync()[0]! < 1e-6);
      assert.ok(tf.max(tf.abs(g1d!)).dataSync()[0]! > 0.1);
    }
  });
}

test('a δ of the wrong length, or links of the wrong shape, is an error', () => {
  const pat = layerPattern(2, 0);
  assert.throws(() => addToStripe(tf.zeros([1, 8, 8, 2]), tf.zeros([15]), 2, pat), /δ has 15 entries, expected 16/);
  assert.throws(() => addToStripe(tf.zeros([1, 8, 8, 3]), tf.zeros([16]), 2, pat), /links must have shape/);
});

test.run();
