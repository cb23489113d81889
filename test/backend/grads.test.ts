import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, activeBackend, tf } from '../../src/backend/index.ts';
import { gradOrZeros, fixedKernels, logSoftmax, logSigmoid } from '../../src/backend/grads.ts';

// Derivatives of order 1..3 from nested tf.grad, checked against float64 central finite differences of a
// JS re-implementation. Step h = 1e-3: truncation O(h²) ≈ 1e-6 and float64 rounding ≈ 1e-16/h³ ≈ 1e-7 at
// third order, far below the float32 tolerance used (2e-3 relative + 2e-4 absolute).
const h = 1e-3;
function fd(f: (x: number) => number, x: number, order: number): number {
  if (order === 1) return (f(x + h) - f(x - h)) / (2 * h);
  if (order === 2) return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h);
  return (f(x + 2 * h) - 2 * f(x + h) + 2 * f(x - h) - f(x - 2 * h)) / (2 * h * h * h);
}

function nested(f: (x: tf.Tensor) => tf.Tensor, order: number): (x: tf.Tensor) => tf.Tensor {
  let g = (x: tf.Tensor) => tf.sum(f(x));
  for (let k = 0; k < order; k++) {
    const inner = g;
    const d = tf.grad(inner);
    g = k === order - 1 ? d : (x: tf.Tensor) => tf.sum(d(x));
  }
  return g;
}

function check(name: string, tfF: (x: tf.Tensor) => tf.Tensor, jsF: (x: number) => number, xs: number[], orders = [1, 2, 3]) {
  for (const order of orders) {
    const got = tf.tidy(() => nested(tfF, order)(tf.tensor1d(xs)).arraySync() as number[]);
    xs.forEach((x, i) => {
      const want = fd(jsF, x, order);
      const tol = 2e-3 * Math.abs(want) + 2e-4;
      assert.ok(Math.abs(got[i] - want) <= tol, `${name}: order ${order} at x=${x}: tfjs ${got[i]} vs FD ${want}`);
    });
  }
}

const xs = [-1.7, -0.4, 0.3, 1.1, 2.2];
const sig = (x: number) => 1 / (1 + Math.exp(-x));

test.before(async () => {
  await initBackend();
});

test('the backend under test is reported', () => {
  assert.ok(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'].includes(activeBackend()!));
  assert.ok(fixedKernels.includes('Exp') && fixedKernels.includes('Greater'));
});

test('matMul gradient (explicit transposes) for every transpose flag, rank 2 and batched rank 3, vs float64 finite differences', () => {
  const rng = (() => {
    let s = 7;
    return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  })();
  // L(A, B) = Σ R ⊙ (op(A) op(B)) over a batch; L is linear in each input, so a central difference
  // in float64 is exact up to rounding and independent of the gradient formulas under test
  const batchShapes: number[][] = [[], [2]];
  for (const batch of batchShapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const [n, k, p] = [3, 4, 2];
        const aShape = [...batch, ...(tA ? [k, n] : [n, k])];
        const bShape = [...batch, ...(tB ? [p, k] : [k, p])];
        const size = (sh: number[]) => sh.reduce((x, y) => x * y, 1);
        const A = Array.from({ length: size(aShape) }, rng);
        const B = Array.from({ length: size(bShape) }, rng);
        const nb = size(batch);
        const R = Array.from({ length: nb * n * p }, rng);
        const at = (X: number[], sh: number[], bi: number, i: number, j: number, t: boolean) => {
          const [r, c] = sh.slice(-2);
          return t ? X[bi * r * c + j * c + i] : X[bi * r * c + i * c + j];
        };
        const L = (a: number[], b: number[]) => {
          let s = 0;
          for (let bi = 0; bi < nb; bi++)
            for (let i = 0; i < n; i++)
              for (let j = 0; j < p; j++) {
                let c = 0;
                for (let l = 0; l < k; l++) c += at(a, aShape, bi, i, l, tA) * at(b, bShape, bi, l, j, tB);
                s += R[bi * n * p + i * p + j] * c;
              }
          return s;
        };
        const [gA, gB] = tf.tidy(() => {
          const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.tensor(R, [...batch, n, p]), tf.matMul(a, b, tA, tB)));
          return tf.grads(f)([tf.tensor(A, aShape), tf.tensor(B, bShape)]).map((g) => Array.from(g.dataSync()));
        });
        const e = 1e-3;
        const fdAt = (X: number[], i: number, which: 'a' | 'b') => {
          const up = X.slice(), dn = X.slice();
          up[i] += e;
          dn[i] -= e;
          return which === 'a' ? (L(up, B) - L(dn, B)) / (2 * e) : (L(A, up) - L(A, dn)) / (2 * e);
        };
        A.forEach((_, i) => assert.ok(Math.abs(gA[i] - fdAt(A, i, 'a')) < 1e-5, `dA[${i}] batch=[${batch}] tA=${tA} tB=${tB}: ${gA[i]} vs ${fdAt(A, i, 'a')}`));
        B.forEach((_, i) => assert.ok(Math.abs(gB[i] - fdAt(B, i, 'b')) < 1e-5, `dB[${i}] batch=[${batch}] tA=${tA} tB=${tB}: ${gB[i]} vs ${fdAt(B, i, 'b')}`));
      }
    }
  }
  assert.ok(fixedKernels.includes('BatchMatMul'));
});

test('exp, tanh, sigmoid, softplus: orders 1-3 match float64 finite differences', () => {
  check('exp', (x) => tf.exp(x), Math.exp, xs);
  check('tanh', (x) => tf.tanh(x), Math.tanh, xs);
  check('sigmoid', (x) => tf.sigmoid(x), sig, xs);
  check('softplus', (x) => tf.softplus(x), (x) => Math.log1p(Math.exp(x)), xs);
  // composite used by MLP potentials: softplus of an affine map times a weight
  check('mlp-unit', (x) => tf.mul(0.7, tf.softplus(tf.add(tf.mul(1.3, x), -0.2))), (x) => 0.7 * Math.log1p(Math.exp(1.3 * x - 0.2)), xs);
});

test('elu and pow: orders 1-3 (pow in base and exponent)', () => {
  check('elu', (x) => tf.elu(x), (x) => (x > 0 ? x : Math.exp(x) - 1), [-1.7, -0.4, 0.3, 1.1]);
  const pos = [0.4, 0.9, 1.6, 2.3];
  check('pow base', (x) => tf.pow(x, tf.scalar(2.5)), (x) => x ** 2.5, pos);
  check('pow exponent', (x) => tf.pow(tf.scalar(1.7), x), (x) => 1.7 ** x, xs);
});

test('softmax, logSoftmax (our replacement), logSigmoid, logSumExp: orders 1-3 of one component along its own logit', () => {
  const others = [0.3, -0.8];
  const jsSm = (x: number) => Math.exp(x) / (Math.exp(x) + Math.exp(others[0]) + Math.exp(others[1]));
  const tfRow = (x: tf.Tensor) => tf.concat([tf.reshape(x, [-1, 1]), tf.tile(tf.tensor2d([others]), [x.shape[0], 1])], 1);
  const first = (m: tf.Tensor) => tf.reshape(tf.slice(m, [0, 0], [-1, 1]), [-1]);
  check('softmax', (x) => first(tf.softmax(tfRow(x))), jsSm, xs);
  check('logSoftmax', (x) => first(logSoftmax(tfRow(x))), (x) => Math.log(jsSm(x)), xs);
  check('logSigmoid', (x) => logSigmoid(x), (x) => Math.log(sig(x)), xs);
  // tf.logSoftmax itself is a customGrad op: its gradient cannot be differentiated again.
  assert.throws(() => tf.tidy(() => nested((x) => first(tf.logSoftmax(tfRow(x))), 2)(tf.tensor1d(xs))), /Cannot compute gradient/);
  check('logSumExp', (x) => tf.logSumExp(tfRow(x), 1), (x) => Math.log(Math.exp(x) + Math.exp(others[0]) + Math.exp(others[1])), xs);
});

test('where, maximum, clipByValue: comparison ops have zero gradients, so nested gradients work', () => {
  const pts = [-1.3, -0.6, 0.7, 1.4];
  check('where', (x) => tf.where(tf.greater(x, 0), tf.exp(x), tf.sin(x)), (x) => (x > 0 ? Math.exp(x) : Math.sin(x)), pts);
  check('maximum', (x) => tf.maximum(tf.mul(x, x), tf.scalar(0.25)), (x) => Math.max(x * x, 0.25), pts);
  check('clip', (x) => tf.clipByValue(tf.mul(x, tf.exp(x)), -0.3, 1), (x) => Math.min(1, Math.max(-0.3, x * Math.exp(x))), pts, [1, 2]);
});

test('gradOrZeros returns zeros for an identically zero derivative instead of throwing', () => {
  const lin = (x: tf.Tensor) => tf.sum(tf.mul(3, x));
  const d1 = (x: tf.Tensor) => tf.sum(tf.grad(lin)(x));
  assert.throws(() => tf.tidy(() => tf.grad(d1)(tf.tensor1d([1, 2]))), /Cannot compute gradient/);
  const z = tf.tidy(() => gradOrZeros(d1)(tf.tensor1d([1, 2])).arraySync());
  assert.equal(z, [0, 0]);
});

test('unstack along an axis of size 1 has a gradient (the stock Unpack gradient throws on its single output), and of any size', () => {
  for (const [shape, axis] of [[[1, 3], 0], [[3, 1], 1], [[2, 3], 0], [[2, 3], 1]] as [number[], number][]) {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 7);
    const w = tf.randomNormal(shape, 0, 1, 'float32', 8);
    const ws = tf.unstack(w, axis);
    // d/dx Σ_k Σ w_k · unstack(x)_k = w
    const g = tf.grad((z: tf.Tensor) => tf.addN(tf.unstack(z, axis).map((p, k) => tf.sum(tf.mul(p, ws[k])))))(x);
    assert.equal(Array.from(g.dataSync()), Array.from(w.dataSync()), `shape ${shape}, axis ${axis}`);
    tf.dispose([x, w, g, ...ws]);
  }
  assert.ok(fixedKernels.includes('Unpack'));
});

test('concat gradient (rank-3 slices): each input receives its own block of dy, every axis of a rank-6 concat, and second order through it', () => {
  const shapes = [
    [2, 3, 2, 2, 1, 4],
    [2, 3, 2, 2, 1, 4],
  ];
  for (let axis = -1; axis < 6; axis++) {
    const ax = axis < 0 ? axis + 6 : axis;
    const sa = shapes[0].slice(), sb = shapes[1].slice();
    sb[ax] = ax === 4 ? 3 : sb[ax] + 1; // unequal sizes along the concatenated axis
    const a = tf.randomNormal(sa, 0, 1, 'float32', 7 + axis), b = tf.randomNormal(sb, 0, 1, 'float32', 11 + axis);
    const out = sa.slice();
    out[ax] += sb[ax];
    const R = tf.randomNormal(out, 0, 1, 'float32', 3 + axis);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(R, tf.concat([x, y], axis))))([a, b]);
    const [ra, rb] = tf.split(R, [sa[ax], sb[ax]], ax);
    assert.equal(Array.from(ga.dataSync()), Array.from(ra.dataSync()), `axis ${axis}: dA`);
    assert.equal(Array.from(gb.dataSync()), Array.from(rb.dataSync()), `axis ${axis}: dB`);
    tf.dispose([a, b, R, ga, gb, ra, rb]);
  }
  // d²/dx² Σ concat([x², x³]) = 2 + 6x: the gradient of the gradient goes through our slices
  const xs = [0.3, -1.2, 2];
  const g2 = tf.grad((x: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.sum(tf.concat([tf.square(y), tf.pow(y, tf.scalar(3))], 0)))(x).sum())(tf.tensor1d(xs));
  Array.from(g2.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - (2 + 6 * xs[i])) < 1e-4, `second derivative at ${xs[i]}: ${v}`));
  assert.ok(fixedKernels.includes('Concat'));
});

test('conv2d gradient (stride 1, valid, native convolutions): input and filter gradients = float64 sums; an input-only gradient runs no filter convolution', async () => {
  const [B, H, W, C, O, kh, kw] = [2, 5, 4, 3, 2, 3, 2];
  const x = tf.randomNormal([B, H, W, C], 0, 1, 'float32', 5) as tf.Tensor4D;
  const w = tf.randomNormal([kh, kw, C, O], 0, 1, 'float32', 6) as tf.Tensor4D;
  const R = tf.randomNormal([B, H - kh + 1, W - kw + 1, O], 0, 1, 'float32', 7);
  const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(R, tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid')));
  const [gx, gw] = tf.grads(loss)([x, w]);
  const xv = x.arraySync() as number[][][][], wv = w.arraySync() as number[][][][], rv = R.arraySync() as number[][][][];
  const gxv = gx!.arraySync() as number[][][][], gwv = gw!.arraySync() as number[][][][];
  // loss = Σ R[b,y,x,o] x[b,y+i,x+j,c] w[i,j,c,o]
  const wantX = xv.map((p) => p.map((q) => q.map((r) => r.map(() => 0))));
  const wantW = wv.map((p) => p.map((q) => q.map((r) => r.map(() => 0))));
  for (let b = 0; b < B; b++) for (let y = 0; y <= H - kh; y++) for (let z = 0; z <= W - kw; z++) for (let o = 0; o < O; o++) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < C; c++) {
      wantX[b]![y + i]![z + j]![c] += rv[b]![y]![z]![o]! * wv[i]![j]![c]![o]!;
      wantW[i]![j]![c]![o] += rv[b]![y]![z]![o]! * xv[b]![y + i]![z + j]![c]!;
    }
  }
  const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k]!)), 0);
  assert.ok(maxDiff(gxv.flat(3), wantX.flat(3)) < 1e-4, 'dx');
  assert.ok(maxDiff(gwv.flat(3), wantW.flat(3)) < 1e-4, 'dW');
  const convs = async (f: () => tf.TensorContainer) => (await tf.profile(f)).kernels.filter((k) => k.name === 'Conv2D').length;
  assert.is(await convs(() => tf.grads(loss)([x, w])), 3); // forward, dx, dW
  assert.is(await convs(() => tf.grad((a: tf.Tensor) => loss(a, w))(x)), 2); // forward, dx
  assert.ok(fixedKernels.includes('Conv2D'));
});

test.run();
