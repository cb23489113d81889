import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../src/backend/index.ts';
import { Adam, cosineLR, globalNorm, optimizerStep } from '../../src/train/optim.ts';

test.before(async () => {
  await initBackend();
});

// loss Σ_i a_i x_i² + b_i x_i, gradient 2 a x + b
const a = [0.5, 2, 1, 3, 0.1];
const b = [1, -1, 0.3, 0, 2];
const x0 = [0.3, -0.2, 1.5, 0.7, -1];
const gradAt = (x: ArrayLike<number>) => Float64Array.from(a, (ai, i) => 2 * ai * x[i] + b[i]);

test('Adam on flat arrays follows tf.train.adam (same β, ε, bias correction) to float32 precision of its bias correction', () => {
  const lr = 0.05;
  const v = tf.variable(tf.tensor1d(x0));
  const opt = tf.train.adam(lr);
  const w = Float32Array.from(x0);
  const adam = new Adam(w.length);
  for (let k = 0; k < 8; k++) {
    opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(Float32Array.from(gradAt(v.dataSync()))) }]);
    adam.update(w, gradAt(w), lr);
  }
  const ref = v.dataSync();
  const moved = Math.max(...Array.from(w, (wi, i) => Math.abs(wi - x0[i])));
  assert.ok(moved > 0.3, `the weights moved (${moved})`);
  // tfjs forms 1 − β₂ᵗ in float32 (relative error ~ 6e-8 / 2e-3 at t = 2), hence the 2e-5 (of a move of ~0.4)
  w.forEach((wi, i) => assert.ok(Math.abs(wi - ref[i]) < 2e-5, `x[${i}]: ${wi} vs tfjs ${ref[i]}`));
  opt.dispose();
  v.dispose();
});

test('Adam state round trip: 2 + 2 steps through state() equal 4 steps bit for bit', () => {
  const w1 = Float32Array.from(x0);
  const one = new Adam(5);
  for (let k = 0; k < 4; k++) one.update(w1, gradAt(w1), 0.01);
  const w2 = Float32Array.from(x0);
  const first = new Adam(5);
  for (let k = 0; k < 2; k++) first.update(w2, gradAt(w2), 0.01);
  const second = new Adam(5, first.state());
  for (let k = 0; k < 2; k++) second.update(w2, gradAt(w2), 0.01);
  assert.equal(Array.from(w2), Array.from(w1));
  assert.is(second.state().updates, 4);
  assert.throws(() => new Adam(4, first.state()), /moments of length 5\/5, the model has 4/);
});

test('clipping rescales to the global norm; a non-finite gradient is skipped', () => {
  const w = Float32Array.from(x0);
  const adam = new Adam(5);
  const g = Float64Array.from([3, 0, 4, 0, 0]);
  assert.is(optimizerStep(adam, w, g, 0.01, 1), 5);
  assert.ok(Math.abs(globalNorm(g) - 1) < 1e-15);
  [0.6, 0, 0.8, 0, 0].forEach((gi, i) => assert.ok(Math.abs(g[i] - gi) < 1e-15));
  const before = Array.from(w);
  const state = adam.state();
  assert.ok(Number.isNaN(optimizerStep(adam, w, Float64Array.from([1, NaN, 0, 0, 0]), 0.01, 1)));
  assert.equal(Array.from(w), before);
  assert.is(adam.state().updates, state.updates);
});

test('cosine decay: lr at the start, lr·lrFinal at the end, the mean of both half way', () => {
  assert.is(cosineLR(0.1, 0.05, 0, 100), 0.1);
  assert.ok(Math.abs(cosineLR(0.1, 0.05, 100, 100) - 0.005) < 1e-15);
  assert.ok(Math.abs(cosineLR(0.1, 0.05, 50, 100) - 0.0525) < 1e-15);
  assert.ok(Math.abs(cosineLR(0.1, 0, 0.3, 0.6) - 0.05) < 1e-15, 'fractional totals (time budgets) are not rounded up');
  assert.is(cosineLR(0.1, 0.05, 0, 0), 0.1);
});

test.run();
