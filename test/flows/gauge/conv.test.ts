/** Circular convolutions (slices + matMul, and the 2D native stack) and periodic padding: against tf.conv2d and each other (forward), finite differences and explicit sums (gradients). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { biasLeakyPad, circularConv, circularConvStack2D, circularPad2D, stripeBiasAct } from '../../../src/flows/gauge/conv.ts';
import { stripeSites2D, takeStripe } from '../../../src/flows/gauge/masks.ts';
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
    const ref = tf.add(tf.conv2d(circularPad2D(x, (k - 1) / 2), filter, 1, 'valid'), b);
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

for (const leaky of [false, true]) {
test(`2D fast path (native conv with registered gradient, periodic pad per layer${leaky ? ', hand-written bias + leaky ReLU + pad' : ', tanh'}) = layer-by-layer circularConv, values and gradients`, () => {
  const x = rand([3, 4, 8, 4], 'sx');
  const ws = [rand([36, 6], 'w0') as tf.Tensor2D, rand([54, 5], 'w1') as tf.Tensor2D, rand([45, 2], 'w2') as tf.Tensor2D];
  const bs = [rand([6], 'b0') as tf.Tensor1D, rand([5], 'b1') as tf.Tensor1D, rand([2], 'b2') as tf.Tensor1D];
  const r = rand([3, 4, 8, 2], 'sr');
  const act = (h: tf.Tensor, last: boolean) => (last ? h : leaky ? tf.leakyRelu(h, 0.01) : tf.tanh(h));
  const unpack = (t: tf.Tensor[]) => ({ xx: t[0]!, w: t.slice(1, 4) as tf.Tensor2D[], b: t.slice(4) as tf.Tensor1D[] });
  const slow = (...t: tf.Tensor[]) => {
    const { xx, w, b } = unpack(t);
    let h = xx;
    w.forEach((wl, l) => (h = act(circularConv(h, wl, b[l]!, 3), l === 2)));
    return tf.sum(tf.mul(h, r)) as tf.Scalar;
  };
  const fast = (...t: tf.Tensor[]) => {
    const { xx, w, b } = unpack(t);
    return tf.sum(tf.mul(circularConvStack2D(xx, w.map((wl, l) => ({ w: wl, b: b[l]! })), 3, act, leaky), r)) as tf.Scalar;
  };
  const args = [x, ...ws, ...bs];
  const a = tf.grads(slow)(args);
  const b = tf.grads(fast)(args);
  assert.ok(Math.abs(slow(...args).dataSync()[0]! - fast(...args).dataSync()[0]!) < 1e-4);
  a.forEach((g, i) => {
    const d = tf.max(tf.abs(tf.sub(g, b[i]!))).dataSync()[0]!;
    const s = tf.max(tf.abs(g)).dataSync()[0]!;
    assert.ok(s > 0 && d < 1e-4 * (1 + s), `gradient ${i}: max diff ${d} (scale ${s})`);
  });
  // a stack whose reach exceeds the lattice (2×2, three 3×3 layers)
  const tiny = rand([1, 2, 2, 4], 'tx');
  const deep = [0, 1, 2].map((l) => ({ w: rand([36, 4], `dw${l}`) as tf.Tensor2D, b: tf.zeros([4]) as tf.Tensor1D }));
  let ref = tiny;
  deep.forEach(({ w, b }, l) => (ref = act(circularConv(ref, w, b, 3), l === 2)));
  assert.ok(tf.max(tf.abs(tf.sub(ref, circularConvStack2D(tiny, deep, 3, act, leaky)))).dataSync()[0]! < 1e-5);
});
}

test('circularPad2D: every padded site holds its periodic image; the gradient folds the halo back (p = 1, 3 on 3×4)', () => {
  for (const p of [1, 3]) {
    const x = rand([2, 3, 4, 2], `p${p}`);
    const y = circularPad2D(x, p);
    assert.equal(y.shape, [2, 3 + 2 * p, 4 + 2 * p, 2]);
    const xv = x.arraySync() as number[][][][];
    const yv = y.arraySync() as number[][][][];
    const mod = (a: number, n: number) => ((a % n) + n) % n;
    for (let b = 0; b < 2; b++) for (let Y = 0; Y < 3 + 2 * p; Y++) for (let X = 0; X < 4 + 2 * p; X++) for (let c = 0; c < 2; c++) {
      assert.is(yv[b]![Y]![X]![c], xv[b]![mod(Y - p, 3)]![mod(X - p, 4)]![c]);
    }
    // d/dx Σ w·pad(x) = Σ of w over the padded images of each site
    const w = rand(y.shape, `pw${p}`);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(circularPad2D(t, p), w)))(x).arraySync() as number[][][][];
    const wv = w.arraySync() as number[][][][];
    for (let b = 0; b < 2; b++) for (let y1 = 0; y1 < 3; y1++) for (let y0 = 0; y0 < 4; y0++) for (let c = 0; c < 2; c++) {
      let want = 0;
      for (let Y = 0; Y < 3 + 2 * p; Y++) for (let X = 0; X < 4 + 2 * p; X++) if (mod(Y - p, 3) === y1 && mod(X - p, 4) === y0) want += wv[b]![Y]![X]![c]!;
      assert.ok(Math.abs(g[b]![y1]![y0]![c]! - want) < 1e-5, `site (${b}, ${y1}, ${y0}, ${c}): ${g[b]![y1]![y0]![c]} vs ${want}`);
    }
  }
  assert.throws(() => circularPad2D(rand([1, 2, 2, 1], 'e'), 3), /padding 3/);
});

test('biasLeakyPad (hand-written): values and gradients = pad(leakyRelu(z + b, 0.01)) from tf ops, p = 0, 1, 2, including exact zeros', () => {
  for (const p of [0, 1, 2]) {
    const z = tf.concat([rand([2, 4, 6, 5], `lz${p}`), tf.zeros([1, 4, 6, 5])]);
    const b = tf.concat([rand([4], `lb${p}`), tf.zeros([1])]) as tf.Tensor1D;
    const ref = (zz: tf.Tensor, bb: tf.Tensor) => circularPad2D(tf.leakyRelu(tf.add(zz, bb), 0.01), p);
    const ours = biasLeakyPad(z, b, p).dataSync(), want = ref(z, b).dataSync();
    assert.is(ours.length, want.length);
    ours.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 3e-7 * Math.abs(want[i]!), `p ${p} element ${i}: ${v} vs ${want[i]}`));
    const w = rand(biasLeakyPad(z, b, p).shape, `lw${p}`);
    const g1 = tf.grads((zz: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(biasLeakyPad(zz, bb as tf.Tensor1D, p), w)))([z, b]);
    const g2 = tf.grads((zz: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(ref(zz, bb), w)))([z, b]);
    g1.forEach((g, k) => {
      const d = tf.max(tf.abs(tf.sub(g, g2[k]!))).dataSync()[0]!;
      assert.ok(d < 1e-5, `p ${p}, gradient ${k === 0 ? 'z' : 'b'}: max diff ${d}`);
    });
  }
  assert.throws(() => biasLeakyPad(rand([1, 4, 4, 3], 'e'), tf.zeros([2]) as tf.Tensor1D, 1), /bias must have shape \[3\]/);
});

test('stripeBiasAct and the stack with a stripe head: the stripe rows of act(z + b) / of the full stack, values and gradients, with and without tanh', () => {
  for (const pat of [{ mu: 0, nu: 1, off: 2 }, { mu: 1, nu: 0, off: 1 }]) {
    const sites = stripeSites2D(pat, 4, 8);
    for (const tanh of [true, false]) {
      const act = (h: tf.Tensor, last: boolean) => (last ? (tanh ? tf.tanh(h) : h) : tf.leakyRelu(h, 0.01));
      const rows = (t: tf.Tensor) => tf.reshape(takeStripe(t, 2, pat), [-1, t.shape[3]!]);
      // the op alone
      const z = rand([3, 4, 8, 5], `hz${pat.nu}${tanh}`);
      const b = rand([5], `hb${pat.nu}${tanh}`) as tf.Tensor1D;
      const w = rand([3 * sites.length, 5], `hw${pat.nu}${tanh}`);
      const ours = (zz: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(stripeBiasAct(zz, bb as tf.Tensor1D, { sites, tanh }), w));
      const ref = (zz: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(rows(act(tf.add(zz, bb), true)), w));
      const dv = tf.max(tf.abs(tf.sub(stripeBiasAct(z, b, { sites, tanh }), rows(act(tf.add(z, b), true))))).dataSync()[0]!;
      assert.ok(dv < 1e-6, `values: max diff ${dv}`);
      const g1 = tf.grads(ours)([z, b]);
      const g2 = tf.grads(ref)([z, b]);
      g1.forEach((g, k) => {
        const d = tf.max(tf.abs(tf.sub(g, g2[k]!))).dataSync()[0]!;
        assert.ok(d < 1e-5, `op gradient ${k}: max diff ${d}`);
      });
      // the stack with the head against the stripe rows of the full stack (taped and untaped paths)
      const x = rand([3, 4, 8, 2], `hx${pat.nu}${tanh}`);
      const layers = [0, 1].map((l) => ({ w: rand([9 * (l ? 4 : 2), l ? 3 : 4], `hl${l}`) as tf.Tensor2D, b: rand([l ? 3 : 4], `hlb${l}`) as tf.Tensor1D }));
      const r = rand([3 * sites.length, 3], 'hr');
      const full = (xx: tf.Tensor) => tf.sum(tf.mul(rows(circularConvStack2D(xx, layers, 3, act, true)), r));
      const headed = (xx: tf.Tensor) => tf.sum(tf.mul(circularConvStack2D(xx, layers, 3, act, true, { sites, tanh }), r));
      assert.ok(Math.abs(full(x).dataSync()[0]! - headed(x).dataSync()[0]!) < 1e-4);
      const d = tf.max(tf.abs(tf.sub(tf.grad(full)(x), tf.grad(headed)(x)))).dataSync()[0]!;
      assert.ok(d < 1e-5, `stack gradient: max diff ${d}`);
    }
  }
  assert.throws(() => stripeBiasAct(rand([1, 4, 4, 3], 'e'), tf.zeros([3]) as tf.Tensor1D, { sites: Int32Array.of(16), tanh: true }), /outside the 4×4 lattice/);
});

test.run();
