/**
 * Elementwise ops and padding on tensors of rank 7 and 8 (SU(N) link fields in d = 3, 4) against
 * plain-JS references: XNNPACK-backed wasm kernels returned unwritten buffers above rank 6 until
 * src/backend/wasm-rank.ts wrapped them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tf, initBackend } from '../../src/backend/index.ts';
import { collapseBroadcast, collapsePadding } from '../../src/backend/wasm-rank.ts';

test.before(async () => {
  await initBackend();
});

const values = (shape: number[], seed: number) => {
  const n = shape.reduce((a, b) => a * b, 1);
  let x = seed;
  return Float32Array.from({ length: n }, () => ((x = (x * 16807) % 2147483647) / 2147483647) * 2 - 0.5);
};
const strides = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** out[i] = f(a[broadcast i], b[broadcast i]) in plain JS. */
function reference(a: Float32Array, as: number[], b: Float32Array, bs: number[], f: (x: number, y: number) => number): number[] {
  const out = tf.backend_util.assertAndGetBroadcastShape(as, bs);
  const pa = [...new Array(out.length - as.length).fill(1), ...as], pb = [...new Array(out.length - bs.length).fill(1), ...bs];
  const so = strides(out), sa = strides(pa), sb = strides(pb);
  const n = out.reduce((x, y) => x * y, 1);
  return Array.from({ length: n }, (_, i) => {
    let ia = 0, ib = 0;
    out.forEach((_, k) => {
      const c = Math.floor(i / so[k]!) % out[k]!;
      ia += (pa[k] === 1 ? 0 : c) * sa[k]!;
      ib += (pb[k] === 1 ? 0 : c) * sb[k]!;
    });
    return f(a[ia]!, b[ib]!);
  });
}

const close = (got: ArrayLike<number>, want: number[], what: string) => {
  assert.is(got.length, want.length, `${what}: size`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  assert.ok(worst < 1e-5, `${what}: worst relative error ${worst}`);
};

const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (x: number, y: number) => number][] = [
  ['add', tf.add, (x, y) => x + y],
  ['sub', tf.sub, (x, y) => x - y],
  ['mul', tf.mul, (x, y) => x * y],
  ['div', (a, b) => tf.div(a, tf.add(b, 2)), (x, y) => x / (y + 2)],
  ['squaredDifference', tf.squaredDifference, (x, y) => (x - y) ** 2],
  ['maximum', tf.maximum, Math.max],
];

test('binary ops at rank 7 and 8: equal shapes, collapsible broadcasts and an alternating broadcast (tiled)', () => {
  const cases: [number[], number[]][] = [
    [[2, 3, 2, 2, 2, 3, 3], [2, 3, 2, 2, 2, 3, 3]],
    [[2, 3, 2, 2, 2, 2, 3, 3], [2, 3, 2, 2, 2, 2, 3, 3]],
    [[2, 3, 2, 2, 2, 2, 3, 3], [1, 3, 2, 2, 2, 2, 1, 1]],
    [[2, 3, 2, 2, 2, 2, 3, 3], [2, 2, 2, 2, 3, 3]],
    [[2, 3, 2, 2, 2, 2, 3, 3], []],
    [[2, 3, 2, 2, 2, 2, 3, 3], [1, 3, 1, 2, 1, 2, 1, 3]],
  ];
  for (const [as, bs] of cases) {
    const a = values(as, 7), b = values(bs, 11);
    for (const [name, op, f] of ops) {
      const got = tf.tidy(() => op(tf.tensor(a, as), tf.tensor(b, bs)).dataSync());
      close(got, reference(a, as, b, bs, f), `${name} [${as}] ∘ [${bs}]`);
      const swapped = tf.tidy(() => op(tf.tensor(b, bs), tf.tensor(a, as)).dataSync());
      close(swapped, reference(b, bs, a, as, f), `${name} [${bs}] ∘ [${as}]`);
    }
  }
});

test('padding at rank 8 matches a plain-JS pad', () => {
  const shape = [2, 3, 2, 2, 2, 2, 3, 3];
  const pads: [number, number][] = [[0, 0], [1, 0], [0, 0], [0, 2], [0, 0], [0, 0], [0, 1], [0, 0]];
  const x = values(shape, 5);
  const got = tf.tidy(() => tf.pad(tf.tensor(x, shape), pads, 0.25).dataSync());
  const out = shape.map((n, i) => n + pads[i]![0] + pads[i]![1]);
  const so = strides(out), sx = strides(shape);
  const want = Array.from({ length: out.reduce((a, b) => a * b, 1) }, (_, i) => {
    let ix = 0;
    for (let k = 0; k < out.length; k++) {
      const c = (Math.floor(i / so[k]!) % out[k]!) - pads[k]![0];
      if (c < 0 || c >= shape[k]!) return 0.25;
      ix += c * sx[k]!;
    }
    return x[ix]!;
  });
  close(got, want, 'pad rank 8');
});

test('gradients of rank-8 tensors: the tape sums them with Add (d/dx Σ x² + 3x = 2x + 3)', () => {
  const shape = [2, 2, 2, 2, 2, 2, 3, 3];
  const x = values(shape, 3);
  const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.add(tf.mul(t, t), tf.mul(3, t))))(tf.tensor(x, shape)).dataSync());
  close(g, Array.from(x, (v) => 2 * v + 3), 'gradient');
});

test('collapsed views keep the layout and respect the 6-axis limit', () => {
  assert.equal(collapseBroadcast([2, 3, 2, 2, 2, 2, 3, 3], [1, 3, 2, 2, 2, 2, 1, 1]), { a: [2, 3 * 2 * 2 * 2 * 2, 9], b: [1, 48, 1], out: [2, 48, 9] });
  assert.equal(collapseBroadcast([1, 1], [1]), { a: [1], b: [1], out: [1] });
  assert.is(collapseBroadcast([2, 3, 2, 2, 2, 2, 3, 3], [1, 3, 1, 2, 1, 2, 1, 3]), null);
  assert.equal(collapsePadding([2, 3, 4, 5], [[0, 0], [1, 0], [0, 0], [0, 2]]), { shape: [2, 12, 5], paddings: [[0, 0], [4, 0], [0, 2]] });
});

test.run();
