// The four circle kernels against their float64 mathematics (reference.ts): maps, log-derivatives,
// inverses, degree one and normalisation, autodiff gradients and JSON round trips, each with random
// and with extreme (raw ±20) contexts.
//
// Tolerances that involve the float32 output are scaled by the local derivative f′: a float32 angle
// carries an error of ~2e-7, which the inverse of a map with derivative f′ turns into ~2e-7/f′.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeCircleKernel, circleKernelFromJSON, type CircleKernel, type CircleKernelKind, type CircleKernelOptions } from '../../../src/flows/circle/kernel.ts';
import type { SplineKernel } from '../../../src/flows/circle/spline.ts';
import { makeRng, type Rng } from '../../../lattices/random.ts';
import { reference, refLogSlope, refInverse, circDist, spline64, TWO_PI, type Reference } from './reference.ts';

test.before(async () => {
  await initBackend();
});

const cases: { kind: CircleKernelKind; opts: CircleKernelOptions }[] = [
  { kind: 'ircpm', opts: { modes: 3 } },
  { kind: 'ncp', opts: { mixtures: 3 } },
  { kind: 'spline', opts: { bins: 6 } },
  { kind: 'energy', opts: { beta: 1.7, sigma: [1, -1, 1], correctionModes: 3, alpha: 0.3, m: 0.05 } },
];
type Mode = 'random' | 'extreme';
const modes: Mode[] = ['random', 'extreme'];

/** Raw context rows (float32 values): uniform in [−2, 2], or extreme: ±20 (odd rows) and uniform in [−20, 20]. */
function contexts(P: number, n: number, mode: Mode, rng: Rng): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: P }, () => Math.fround(mode === 'random' ? 4 * (rng() - 0.5) : i % 2 ? (rng() < 0.5 ? -20 : 20) : 40 * (rng() - 0.5))),
  );
}
const angles = (n: number, rng: Rng) => Float32Array.from({ length: n }, () => (2 * rng() - 1) * Math.PI);

/**
 * Per-sample float64 references. The spline's is the rational-quadratic map on the kernel's own
 * float32 knots (the knots themselves are checked against float64 in circle-parts.test.ts): in bins of
 * width 2π·1e-3 the float32 rounding of a knot moves ξ by 1e-4, which is not a formula error.
 */
function references(kernel: CircleKernel, kind: CircleKernelKind, opts: CircleKernelOptions, rows: number[][]): Reference[] {
  if (kind !== 'spline') {
    const ref = reference(kind, opts);
    return rows.map(() => ref);
  }
  const kn = (kernel as SplineKernel).knots(tf.tensor2d(rows));
  const A = (t: tf.Tensor) => t.arraySync() as number[][];
  const [x, y, w, h, d] = [A(kn.x), A(kn.y), A(kn.w), A(kn.h), A(kn.d)];
  const t = kn.t.arraySync() as number[];
  return rows.map((_, i) => {
    const knots = { x: x[i], y: y[i], w: w[i], h: h[i], d: d[i], t: t[i] };
    return { map: (xv: number) => spline64(knots, xv) };
  });
}

/** Reference log-slope with a tolerance covering its own finite-difference error (truncation and round-off). */
function refSlopeWithError(ref: Reference, x: number, row: number[]): { L: number; err: number } {
  const h = 1e-5;
  const L = refLogSlope(ref, x, row, h);
  const L2 = refLogSlope(ref, x, row, h / 2);
  return { L: L2, err: 4 * Math.abs(L - L2) + 4e-15 / (h * Math.exp(L2)) };
}

/**
 * float32 logdet against float64: 1e-4, or 3e-4 with extreme contexts, where bins of width 2π·1e-3 make the
 * spline's logdet sensitive to the float32 rounding of its knots (x_{k+1} ≠ x_k + w_k by ~2e-7).
 */
const logdetTol: Record<Mode, number> = { random: 1e-4, extreme: 3e-4 };

for (const { kind, opts } of cases) {
  for (const mode of modes) {
    test(`${kind} (${mode} contexts): forward matches the float64 map, logdet its central-difference derivative`, () => {
      const kernel = makeCircleKernel(kind, opts);
      const rng = makeRng(1, 'circle-kernels', kind, mode);
      const n = 96;
      const rows = contexts(kernel.contextSize, n, mode, rng);
      const xs = angles(n, rng);
      const refs = references(kernel, kind, opts, rows);
      const f = kernel.forward(tf.tensor1d(xs), tf.tensor2d(rows));
      const y = f.y.dataSync();
      const ld = f.logdet.dataSync();
      assert.ok(f.ok.dataSync().every((v) => v === 1), 'every sample ok');
      for (let i = 0; i < n; i++) {
        assert.ok(y[i] >= -Math.PI && y[i] <= Math.PI, `output ${y[i]} outside [−π, π]`);
        const { L, err } = refSlopeWithError(refs[i], xs[i], rows[i]);
        const dy = circDist(y[i], refs[i].map(xs[i], rows[i]));
        assert.ok(dy <= 5e-6 * (1 + Math.exp(L)), `${kind} sample ${i}: |y − y_ref| = ${dy.toExponential(2)} (f′ = ${Math.exp(L).toExponential(2)})`);
        assert.ok(Math.abs(ld[i] - L) <= logdetTol[mode] + err, `${kind} sample ${i}: logdet ${ld[i]} vs ${L} (fd error ${err.toExponential(1)})`);
      }
    });

    test(`${kind} (${mode} contexts): inverse∘forward and forward∘inverse are the identity; logdets match at the matched point`, () => {
      const kernel = makeCircleKernel(kind, opts);
      const rng = makeRng(2, 'circle-kernels', kind, mode);
      const n = 128;
      const rows = contexts(kernel.contextSize, n, mode, rng);
      const ctx = tf.tensor2d(rows);
      const xs = angles(n, rng);
      // x → y → x′
      const f = kernel.forward(tf.tensor1d(xs), ctx);
      const b = kernel.inverse(f.y, ctx);
      const ldF = f.logdet.dataSync();
      const xb = b.x.dataSync();
      assert.ok(b.ok.dataSync().every((v) => v === 1), 'inverse ok');
      for (let i = 0; i < n; i++) {
        const fp = Math.exp(ldF[i]);
        assert.ok(circDist(xb[i], xs[i]) <= 1e-5 * (1 + 1 / fp), `${kind} sample ${i}: x ${xs[i]} → ${xb[i]} (f′ = ${fp.toExponential(2)})`);
      }
      // y → x′ → y′, and logdet(inverse at y) = −logdet(forward at x′)
      const ys = angles(n, rng);
      const inv = kernel.inverse(tf.tensor1d(ys), ctx);
      const fw = kernel.forward(inv.x, ctx);
      const yb = fw.y.dataSync();
      const ldI = inv.logdet.dataSync();
      const ldF2 = fw.logdet.dataSync();
      for (let i = 0; i < n; i++) {
        const fp = Math.exp(ldF2[i]);
        assert.ok(circDist(yb[i], ys[i]) <= 1e-5 * (1 + fp), `${kind} sample ${i}: y ${ys[i]} → ${yb[i]} (f′ = ${fp.toExponential(2)})`);
        assert.ok(Math.abs(ldI[i] + ldF2[i]) <= 1e-4 * (1 + Math.abs(ldF2[i])), `${kind} sample ${i}: logdet inverse ${ldI[i]} vs forward ${ldF2[i]}`);
      }
    });

    test(`${kind} (${mode} contexts): increasing, degree one, and ∫ exp(logdet) dθ = 2π`, () => {
      const kernel = makeCircleKernel(kind, opts);
      const rng = makeRng(3, 'circle-kernels', kind, mode);
      const N = 1 << 15;
      for (const row of contexts(kernel.contextSize, 3, mode, rng)) {
        const theta = Float32Array.from({ length: N }, (_, j) => -Math.PI + (TWO_PI * j) / N);
        const ctx = tf.tile(tf.tensor2d([row]), [N, 1]) as tf.Tensor2D;
        const f = kernel.forward(tf.tensor1d(theta), ctx);
        const y = f.y.dataSync();
        const ld = f.logdet.dataSync();
        let winding = 0;
        let integral = 0;
        for (let j = 0; j < N; j++) {
          const step = y[(j + 1) % N] - y[j];
          const inc = step - TWO_PI * Math.floor((step + Math.PI) / TWO_PI);
          // a float32 evaluation may wobble by an ulp of π (2.4e-7) where the map is flat
          assert.ok(inc >= -5e-7, `${kind}: decreasing at θ = ${theta[j]} (${inc})`);
          winding += inc;
          integral += Math.exp(ld[j]);
        }
        integral *= TWO_PI / N;
        assert.ok(Math.abs(winding - TWO_PI) < 1e-3, `${kind}: total increase ${winding}, not 2π`);
        assert.ok(Math.abs(integral / TWO_PI - 1) < 2e-3, `${kind}: ∫ exp(logdet) = ${integral}, not 2π`);
      }
    });

    test(`${kind} (${mode} contexts): autodiff gradients of y and logdet w.r.t. angle and context match float64 differences`, () => {
      const kernel = makeCircleKernel(kind, opts);
      const ref = reference(kind, opts);
      const rng = makeRng(4, 'circle-kernels', kind, mode);
      const n = 24;
      const P = kernel.contextSize;
      const rows = contexts(P, n, mode, rng);
      const xs = angles(n, rng);
      const u = Array.from({ length: n }, () => 2 * rng() - 1);
      const v = Array.from({ length: n }, () => 2 * rng() - 1);
      const uT = tf.tensor1d(u);
      const vT = tf.tensor1d(v);
      for (const dir of ['forward', 'inverse'] as const) {
        // scalar Σ u sin(out) + v logdet, out = f(θ) or f⁻¹(θ)
        const loss = (t: tf.Tensor, c: tf.Tensor) => {
          const r = dir === 'forward' ? kernel.forward(t as tf.Tensor1D, c as tf.Tensor2D) : kernel.inverse(t as tf.Tensor1D, c as tf.Tensor2D);
          const out = 'y' in r ? r.y : r.x;
          return tf.sum(tf.add(tf.mul(uT, tf.sin(out)), tf.mul(vT, r.logdet)));
        };
        const [gT, gC] = tf.grads(loss)([tf.tensor1d(xs), tf.tensor2d(rows)]);
        const gTheta = gT.dataSync();
        const gCtx = gC.dataSync();
        const ell = (i: number, x: number, row: number[]) => {
          if (dir === 'forward') return u[i] * Math.sin(ref.map(x, row)) + v[i] * refLogSlope(ref, x, row);
          const xi = refInverse(ref, x, row);
          return u[i] * Math.sin(xi) - v[i] * refLogSlope(ref, xi, row);
        };
        for (let i = 0; i < n; i++) {
          const x = xs[i];
          // Where the map is extremely flat (f′ ~ e^{−15} in the extreme spline), the float64 difference
          // quotient of the log-slope itself has a round-off error ~4e-15/(1e-5 f′); its difference
          // quotient then cannot resolve the logdet term, and the tolerance says so.
          const at = dir === 'forward' ? x : refInverse(ref, x, rows[i]);
          const fp = Math.exp(refLogSlope(ref, at, rows[i]));
          const errL = 4e-15 / (1e-5 * fp);
          // step small enough that the output moves by at most ~1e-4 (steep maps are strongly nonlinear)
          const h = dir === 'forward' ? 1e-4 / Math.max(1, fp) : 1e-4 * Math.min(1, fp);
          const check = (got: number, want: number, what: string) =>
            assert.ok(Math.abs(got - want) <= 2e-3 * (1 + Math.abs(want)) + (Math.abs(v[i]) * errL) / h, `${kind} ${dir} ${what}: autodiff ${got} vs differences ${want}`);
          check(gTheta[i], (ell(i, x + h, rows[i]) - ell(i, x - h, rows[i])) / (2 * h), `∂/∂θ sample ${i}`);
          for (let j = 0; j < P; j++) {
            const up = rows[i].slice();
            const dn = rows[i].slice();
            up[j] += h;
            dn[j] -= h;
            check(gCtx[i * P + j], (ell(i, x, up) - ell(i, x, dn)) / (2 * h), `∂/∂context[${j}] sample ${i}`);
          }
        }
      }
    });
  }

  test(`${kind}: toJSON round trip rebuilds the same map`, () => {
    const kernel = makeCircleKernel(kind, opts);
    if (kind === 'energy') kernel.variables.forEach((w, i) => w.assign(tf.scalar(0.37 - 0.3 * i)));
    const copy = circleKernelFromJSON(JSON.parse(JSON.stringify(kernel.toJSON())));
    assert.equal(copy.kind, kind);
    assert.equal(copy.contextSize, kernel.contextSize);
    assert.equal(copy.toJSON(), kernel.toJSON());
    const rng = makeRng(5, 'circle-kernels', kind);
    const n = 32;
    const ctx = tf.tensor2d(contexts(kernel.contextSize, n, 'random', rng));
    const th = tf.tensor1d(angles(n, rng));
    for (const k of ['forward', 'inverse'] as const) {
      const a = kernel[k](th, ctx);
      const b = copy[k](th, ctx);
      const outA = 'y' in a ? a.y : a.x;
      const outB = 'y' in b ? b.y : b.x;
      assert.equal(Array.from(outB.dataSync()), Array.from(outA.dataSync()));
      assert.equal(Array.from(b.logdet.dataSync()), Array.from(a.logdet.dataSync()));
    }
  });
}

test.run();
