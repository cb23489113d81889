/** Circular convolution as slices + matMul: against tf.conv2d (forward) and finite differences (gradients). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { circularConv, circularConvStack2D, circularPad } from '../../../src/flows/gauge/conv.ts';
import { makeRng } from '../../../lattices/random.ts';

test.before(async () => {
  await initBackend();
});

function rand(shape: number[], seed: string): tf.Tensor {
  const rng = makeRng('conv', seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => 2 * rng() - 1), shape);
}

test('2D: equals tf.conv2d on the periodically padded input (k = 3 and 5)', () => {
  for (const k of [3, 5]) {
    const x = rand([2, 8, 4, 3], `x${k}`);
    const filter = rand([k, k, 3, 5], `f${k}`) as tf.Tensor4D;
    const b = rand([5], `b${k}`) as tf.Tensor1D;
    const ours = circularConv(x, tf.reshape(filter, [k * k * 3, 5]) as tf.Tensor2D, b, k);
    const ref = tf.add(tf.conv2d(circularPad(x, (k - 1) / 2) as tf.Tensor4D, filter, 1, 'valid'), b);
    assert.equal(ours.shape, [2, 8, 4, 5]);
    const diff = tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]!;
    assert.ok(diff < 1e-5, `max |diff| ${diff}`);
  }
});

test('periodicity: shifting the input shifts the output (3D)', () => {
  const x = rand([1, 4, 4, 4, 2], 'x3');
  const w = rand([27 * 2, 3], 'w3') as tf.Tensor2D;
  const b = tf.zeros([3]) as tf.Tensor1D;
  const roll = (t: tf.Tensor) => tf.concat([tf.slice(t, [0, 1, 0, 0, 0], [-1, 3, -1, -1, -1]), tf.slice(t, [0, 0, 0, 0, 0], [-1, 1, -1, -1, -1])], 1);
  const a = roll(circularConv(x, w, b, 3));
  const c = circularConv(roll(x), w, b, 3);
  assert.ok(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]! < 1e-6);
});

test('gradients w.r.t. input and weights against central differences (wasm lacks the conv filter gradient)', () => {
  const x = rand([1, 4, 4, 2], 'gx');
  const w = rand([18, 3], 'gw') as tf.Tensor2D;
  const b = rand([3], 'gb') as tf.Tensor1D;
  const r = rand([1, 4, 4, 3], 'gr');
  const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.tanh(circularConv(xx, ww as tf.Tensor2D, b, 3)), r)) as tf.Scalar;
  const [gx, gw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww))([x, w]);
  const eps = 1e-2;
  const check = (t: tf.Tensor, g: tf.Tensor, which: 0 | 1) => {
    const v = t.dataSync();
    const gv = g.dataSync();
    for (const i of [0, 3, 7, v.length - 1]) {
      const p = Float32Array.from(v), m = Float32Array.from(v);
      p[i] += eps;
      m[i] -= eps;
      const tp = tf.tensor(p, t.shape), tm = tf.tensor(m, t.shape);
      const fp = (which === 0 ? f(tp, w) : f(x, tp)).dataSync()[0]!;
      const fm = (which === 0 ? f(tm, w) : f(x, tm)).dataSync()[0]!;
      const fd = (fp - fm) / (2 * eps);
      assert.ok(Math.abs(fd - gv[i]!) < 2e-3 * (1 + Math.abs(fd)), `${which ? 'w' : 'x'}[${i}]: autodiff ${gv[i]} vs fd ${fd}`);
    }
  };
  check(x, gx!, 0);
  check(w, gw!, 1);
});

test('2D fast path (native conv, padded once, own filter gradient) = layer-by-layer circularConv, values and gradients', () => {
  const x = rand([3, 4, 8, 4], 'sx');
  const ws = [rand([36, 6], 'w0') as tf.Tensor2D, rand([54, 5], 'w1') as tf.Tensor2D, rand([45, 2], 'w2') as tf.Tensor2D];
  const bs = [rand([6], 'b0') as tf.Tensor1D, rand([5], 'b1') as tf.Tensor1D, rand([2], 'b2') as tf.Tensor1D];
  const r = rand([3, 4, 8, 2], 'sr');
  const act = (h: tf.Tensor, last: boolean) => (last ? h : tf.tanh(h));
  const slow = (xx: tf.Tensor, w0: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) => {
    let h = xx;
    [w0, w1, w2].forEach((w, l) => (h = act(circularConv(h, w as tf.Tensor2D, bs[l]!, 3), l === 2)));
    return tf.sum(tf.mul(h, r)) as tf.Scalar;
  };
  const fast = (xx: tf.Tensor, w0: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) =>
    tf.sum(tf.mul(circularConvStack2D(xx, [w0, w1, w2].map((w, l) => ({ w: w as tf.Tensor2D, b: bs[l]! })), 3, act), r)) as tf.Scalar;
  const a = tf.grads(slow)([x, ...ws]);
  const b = tf.grads(fast)([x, ...ws]);
  assert.ok(Math.abs(slow(x, ws[0]!, ws[1]!, ws[2]!).dataSync()[0]! - fast(x, ws[0]!, ws[1]!, ws[2]!).dataSync()[0]!) < 1e-4);
  a.forEach((g, i) => {
    const d = tf.max(tf.abs(tf.sub(g, b[i]!))).dataSync()[0]!;
    const s = tf.max(tf.abs(g)).dataSync()[0]!;
    assert.ok(d < 1e-4 * (1 + s), `gradient ${i}: max diff ${d}`);
  });
  // a stack whose reach exceeds the lattice pads layer by layer instead
  const tiny = rand([1, 2, 2, 4], 'tx');
  const deep = [0, 1, 2].map((l) => ({ w: rand([36, 4], `dw${l}`) as tf.Tensor2D, b: tf.zeros([4]) as tf.Tensor1D }));
  let ref = tiny;
  deep.forEach(({ w, b }, l) => (ref = act(circularConv(ref, w, b, 3), l === 2)));
  assert.ok(tf.max(tf.abs(tf.sub(ref, circularConvStack2D(tiny, deep, 3, act)))).dataSync()[0]! < 1e-5);
});

test.run();
