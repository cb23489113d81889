// The pieces behind the circle kernels: the Fourier squash bound, the solver's ok flags, the spline's
// knots, the energy kernel's coefficients and variable gradients, and clear errors on bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeCircleKernel, circleKernelFromJSON, type CircleKernelJSON } from '../../../src/flows/circle/kernel.ts';
import { squashFourier } from '../../../src/flows/circle/fourier.ts';
import { solveMonotone } from '../../../src/flows/circle/solve.ts';
import type { IRCPMKernel } from '../../../src/flows/circle/ircpm.ts';
import type { SplineKernel } from '../../../src/flows/circle/spline.ts';
import type { EnergyKernel } from '../../../src/flows/circle/energy.ts';
import { makeRng } from '../../../lattices/random.ts';
import { reference, refLogSlope, splineKnots64, squash64, TWO_PI } from './reference.ts';

test.before(async () => {
  await initBackend();
});

const uniformRows = (n: number, P: number, scale: number, seed: string) => {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: P }, () => Math.fround(scale * (2 * rng() - 1))));
};

test('squash: Σ k²(|a_k| + |b_k|) ≤ η for any raw row, ≈ η·raw near 0, matches float64', () => {
  const K = 4;
  const eta = 0.95;
  const rows = [...uniformRows(50, 2 * K, 20, 'squash-big'), ...uniformRows(50, 2 * K, 1e-3, 'squash-small'), new Array(2 * K).fill(0), new Array(2 * K).fill(1e6)];
  const c = squashFourier(tf.tensor2d(rows), eta).arraySync() as number[][];
  rows.forEach((row, i) => {
    const bound = c[i].reduce((s, v, j) => s + ((j % K) + 1) ** 2 * Math.abs(v), 0);
    assert.ok(bound <= eta * (1 + 1e-6), `row ${i}: bound ${bound}`);
    const want = squash64(row, eta);
    c[i].forEach((v, j) => assert.ok(Math.abs(v - want[j]) <= 1e-6 * (1 + Math.abs(want[j])), `row ${i} col ${j}: ${v} vs ${want[j]}`));
  });
  // near zero the squash is η·v up to O(Kε) (ε = 1e-3 smooths |v|)
  const small = rows[60];
  c[60].forEach((v, j) => assert.ok(Math.abs(v - eta * small[j]) <= 0.01 * Math.abs(eta * small[j]) + 1e-12));
  // beyond float32's square (|v| > 1.8e19) the squash degrades to the identity map, never to a non-diffeomorphism
  const huge = squashFourier(tf.tensor2d([new Array(2 * K).fill(1e30)]), eta).dataSync();
  assert.ok(huge.every((v) => Number.isFinite(v) && Math.abs(v) <= eta));
});

test('solveMonotone: converges to 1e-12 in a few Newton steps, flags a cap of 0, bisection rescues a bad start', () => {
  // F(x) = x + 0.9 sin x (increasing), target F(1.3)
  const fn = (_i: number, x: number, out: Float64Array) => {
    out[0] = x + 0.9 * Math.sin(x);
    out[1] = 1 + 0.9 * Math.cos(x);
  };
  const target = Float64Array.of(1.3 + 0.9 * Math.sin(1.3), -2 + 0.9 * Math.sin(-2));
  const lo = Float64Array.of(-4, -4);
  const hi = Float64Array.of(4, 4);
  const r = solveMonotone(fn, target, lo, hi, Float64Array.of(3.9, -3.9), { tol: 1e-12, maxIter: 50 });
  assert.equal(Array.from(r.ok), [1, 1]);
  assert.ok(Math.abs(r.x[0] - 1.3) < 1e-12 && Math.abs(r.x[1] + 2) < 1e-12, `${r.x}`);
  assert.ok(r.iterations <= 12, `${r.iterations} iterations`);
  const capped = solveMonotone(fn, target, lo, hi, Float64Array.of(0, 0), { tol: 1e-12, maxIter: 0 });
  assert.equal(Array.from(capped.ok), [0, 0]);
  const short = solveMonotone(fn, target, lo, hi, Float64Array.of(0, 0), { tol: 1e-12, maxIter: 2 });
  assert.equal(Array.from(short.ok), [0, 0]);
  assert.throws(() => solveMonotone(fn, target, lo, hi, Float64Array.of(0, 0), { tol: 0, maxIter: 5 }), /tol/);
});

test('ok flags: ircpm/energy forward and ncp inverse with an iteration cap of 0 flag every sample; ok = 1 means residual ≤ 1e-6 in float64', () => {
  const n = 64;
  const rng = makeRng('ok-flags');
  const th = tf.tensor1d(Array.from({ length: n }, () => (2 * rng() - 1) * Math.PI));
  for (const [kind, opts] of [
    ['ircpm', { modes: 3 }],
    ['energy', { beta: 2, sigma: [1, -1], correctionModes: 1, alpha: 0.2, m: 0.02 }],
    ['ncp', { mixtures: 2 }],
  ] as const) {
    const capped = makeCircleKernel(kind, { ...opts, maxIter: 0 });
    const ctx = tf.tensor2d(uniformRows(n, capped.contextSize, 2, `ok-${kind}`));
    const r = kind === 'ncp' ? capped.inverse(th, ctx) : capped.forward(th, ctx);
    assert.equal(Array.from(r.ok.dataSync()), new Array(n).fill(0), `${kind}: a cap of 0 must flag`);
    const good = makeCircleKernel(kind, opts);
    const rg = kind === 'ncp' ? good.inverse(th, ctx) : good.forward(th, ctx);
    assert.equal(Array.from(rg.ok.dataSync()), new Array(n).fill(1), `${kind}: converged`);
  }
  // ok = 1 in ircpm: y + ψ′(y) = θ for the returned (float32) y
  const k = makeCircleKernel('ircpm', { modes: 3 }) as IRCPMKernel;
  const ctx = tf.tensor2d(uniformRows(n, 6, 20, 'ok-residual'));
  const f = k.forward(th, ctx);
  const c = k.coefficients(ctx).arraySync() as number[][];
  const y = f.y.dataSync();
  const x = th.dataSync();
  for (let i = 0; i < n; i++) {
    let g = y[i];
    for (let q = 1; q <= 3; q++) g += q * (-c[i][q - 1] * Math.sin(q * y[i]) + c[i][3 + q - 1] * Math.cos(q * y[i]));
    const res = Math.abs(Math.atan2(Math.sin(g - x[i]), Math.cos(g - x[i])));
    assert.ok(res < 1e-6, `sample ${i}: residual ${res}`);
  }
  assert.ok(k.lastIterations <= 10, `ircpm needed ${k.lastIterations} iterations`);
});

test('spline knots: widths and heights sum to 2π with the minimum, derivatives periodic, against float64', () => {
  const opts = { bins: 5, minBinWidth: 1e-3, minDerivative: 1e-3 };
  const k = makeCircleKernel('spline', opts) as SplineKernel;
  const rows = [...uniformRows(20, k.contextSize, 20, 'knots-big'), ...uniformRows(20, k.contextSize, 1, 'knots-small')];
  const kn = k.knots(tf.tensor2d(rows));
  const A = (t: tf.Tensor) => t.arraySync() as number[][];
  const [x, y, w, h, d, dNext] = [A(kn.x), A(kn.y), A(kn.w), A(kn.h), A(kn.d), A(kn.dNext)];
  rows.forEach((row, i) => {
    const ref = splineKnots64(row, opts);
    for (const [got, want, name] of [
      [x[i], ref.x, 'x'],
      [y[i], ref.y, 'y'],
      [w[i], ref.w, 'w'],
      [h[i], ref.h, 'h'],
      [d[i], ref.d, 'd'],
    ] as const) {
      got.forEach((v, j) => assert.ok(Math.abs(v - want[j]) <= 2e-6 * (1 + Math.abs(want[j])), `row ${i} ${name}[${j}]: ${v} vs ${want[j]}`));
    }
    assert.ok(Math.abs(w[i].reduce((a, b) => a + b, 0) - TWO_PI) < 1e-5 && Math.abs(h[i].reduce((a, b) => a + b, 0) - TWO_PI) < 1e-5);
    assert.ok(w[i].every((v) => v >= TWO_PI * 1e-3 * (1 - 1e-5)) && d[i].every((v) => v >= 1e-3));
    assert.equal(dNext[i], [...d[i].slice(1), d[i][0]]);
  });
});

test('energy kernel: coefficients are those of α u + m u′², u evaluated directly from the local action', () => {
  const beta = 1.3;
  const sigma = [1, -1, -1];
  const alpha = 0.45;
  const m = -0.07;
  const k = makeCircleKernel('energy', { beta, sigma, correctionModes: 3, alpha, m }) as EnergyKernel;
  assert.equal(k.contextSize, 3 + 6);
  const n = 16;
  const rows = uniformRows(n, k.contextSize, 3, 'energy-coefficients');
  const coef = k.potentialCoefficients(tf.tensor2d(rows), n).arraySync() as number[][];
  const Kt = 3;
  const psi = (c: number[], yv: number) => c.slice(0, Kt).reduce((s, a, q) => s + a * Math.cos((q + 1) * yv) + c[Kt + q] * Math.sin((q + 1) * yv), 0);
  const rng = makeRng('energy-y');
  rows.forEach((row, i) => {
    const cLoops = row.slice(0, 3);
    const u = (yv: number) => -beta * (Math.cos(yv) + cLoops.reduce((s, c, j) => s + Math.cos(c + sigma[j] * yv), 0));
    const du = (yv: number) => beta * (Math.sin(yv) + cLoops.reduce((s, c, j) => s + sigma[j] * Math.sin(c + sigma[j] * yv), 0));
    const corr = (yv: number) => [0, 1, 2].reduce((s, q) => s + row[3 + q] * Math.cos((q + 1) * yv) + row[6 + q] * Math.sin((q + 1) * yv), 0);
    const want = (yv: number) => alpha * u(yv) + m * du(yv) ** 2 + corr(yv);
    for (let r = 0; r < 8; r++) {
      const y1 = (2 * rng() - 1) * Math.PI;
      const y2 = (2 * rng() - 1) * Math.PI;
      // ψ drops the constant of u′², so compare differences
      const got = psi(coef[i], y1) - psi(coef[i], y2);
      const exp = want(y1) - want(y2);
      assert.ok(Math.abs(got - exp) <= 1e-5 * (1 + Math.abs(exp)), `row ${i}: ψ difference ${got} vs ${exp}`);
    }
  });
  // no context at all (J = 0, K = 0): u = −β cos y
  const single = makeCircleKernel('energy', { beta, sigma: [], alpha, m }) as EnergyKernel;
  assert.equal(single.contextSize, 0);
  const c0 = single.potentialCoefficients(null, 1).arraySync() as number[][];
  assert.ok(Math.abs(c0[0][0] + alpha * beta) < 1e-6 && Math.abs(c0[0][1] + (m * beta * beta) / 2) < 1e-6 && c0[0][2] === 0 && c0[0][3] === 0);
  const f = single.forward(tf.tensor1d([0.3, -2]));
  assert.equal(Array.from(f.ok.dataSync()), [1, 1]);
});

test("energy kernel: gradients w.r.t. its own variables α, m match float64 differences", () => {
  const opts = { beta: 2.1, sigma: [1, -1], correctionModes: 1, alpha: 0.25, m: 0.04 };
  const k = makeCircleKernel('energy', opts);
  const n = 24;
  const rows = uniformRows(n, k.contextSize, 2, 'energy-vars');
  const rng = makeRng('energy-vars-x');
  const xs = Array.from({ length: n }, () => (2 * rng() - 1) * Math.PI);
  const u = Array.from({ length: n }, () => 2 * rng() - 1);
  const ctx = tf.tensor2d(rows);
  const th = tf.tensor1d(xs);
  for (const dir of ['forward', 'inverse'] as const) {
    const { grads } = tf.variableGrads(() => {
      const r = dir === 'forward' ? k.forward(th, ctx) : k.inverse(th, ctx);
      const out = 'y' in r ? r.y : r.x;
      return tf.sum(tf.add(tf.mul(tf.tensor1d(u), tf.sin(out)), r.logdet)) as tf.Scalar;
    }, k.variables);
    const got = k.variables.map((v) => grads[v.name].dataSync()[0]);
    const loss = (alpha: number, m: number) => {
      const ref = reference('energy', opts, { alpha, m });
      return xs.reduce((s, x, i) => {
        if (dir === 'forward') return s + u[i] * Math.sin(ref.map(x, rows[i])) + refLogSlope(ref, x, rows[i]);
        // inverse: explicit g(y) = y + ψ′(y); the reference map's inverse is its input, found by bisection
        const target = x;
        let lo = target - 4;
        let hi = target + 4;
        for (let it = 0; it < 200; it++) {
          const mid = 0.5 * (lo + hi);
          if (ref.map(mid, rows[i]) < target) lo = mid;
          else hi = mid;
        }
        const xi = 0.5 * (lo + hi);
        return s + u[i] * Math.sin(xi) - refLogSlope(ref, xi, rows[i]);
      }, 0);
    };
    const h = 1e-4;
    const want = [(loss(opts.alpha + h, opts.m) - loss(opts.alpha - h, opts.m)) / (2 * h), (loss(opts.alpha, opts.m + h) - loss(opts.alpha, opts.m - h)) / (2 * h)];
    got.forEach((g, j) => assert.ok(Math.abs(g - want[j]) <= 2e-3 * (1 + Math.abs(want[j])), `${dir} ∂/∂${j ? 'm' : 'α'}: ${g} vs ${want[j]}`));
  }
});

test('clear errors on bad input and bad configuration', () => {
  const k = makeCircleKernel('ircpm', { modes: 2 });
  const th = tf.tensor1d([0.1, 0.2]);
  assert.throws(() => k.forward(th), /needs a context \[n, 4\]/);
  assert.throws(() => k.forward(th, tf.zeros([2, 3]) as tf.Tensor2D), /shape \[2, 4\]/);
  assert.throws(() => k.forward(tf.zeros([2, 1]) as unknown as tf.Tensor1D, tf.zeros([2, 4]) as tf.Tensor2D), /1-D/);
  assert.throws(() => makeCircleKernel('ircpm', { modes: 0 }), /modes/);
  assert.throws(() => makeCircleKernel('ircpm', { eta: 1 }), /eta/);
  assert.throws(() => makeCircleKernel('ncp', { sMax: 40 }), /sMax/);
  assert.throws(() => makeCircleKernel('spline', { bins: 10, minBinWidth: 0.2 }), /minBinWidth/);
  assert.throws(() => makeCircleKernel('energy', { sigma: [1] }), /beta/);
  assert.throws(() => makeCircleKernel('energy', { beta: 1, sigma: [2] }), /sigma/);
  assert.throws(() => makeCircleKernel('nope' as never), /unknown circle kernel kind/);
  assert.throws(() => circleKernelFromJSON({ kind: 'flow' } as unknown as CircleKernelJSON), /unknown kind/);
  assert.throws(() => circleKernelFromJSON({ kind: 'ncp', mixtures: 2, sMax: 5, tol: 1e-12, maxIter: -1 }), /maxIter/);
});

test.run();
