import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  besselI, besselIScaled, besselIRatio, logBesselI, logBesselIScaled, logBesselISigned, lnGamma,
} from '../../../lattices/exact/bessel.ts';
import { gaussLegendre, integrateVector } from '../../../lattices/exact/quadrature.ts';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

test('known values (Abramowitz–Stegun / mpmath) to ~1e-15', () => {
  assert.ok(rel(besselI(0, 1), 1.2660658777520082) < 2e-15);
  assert.ok(rel(besselI(1, 2), 1.5906368546373291) < 2e-15);
  assert.ok(rel(besselI(2, 2), 0.6889484476987382) < 2e-15);
  assert.is(besselI(0, 0), 1);
  assert.is(besselI(3, 0), 0);
  assert.is(logBesselI(3, 0), -Infinity);
});

test('half-integer orders match the elementary closed forms', () => {
  for (const x of [0.01, 0.7, 3, 20, 80]) {
    const s = Math.sqrt(2 / (Math.PI * x));
    assert.ok(rel(besselI(0.5, x), s * Math.sinh(x)) < 1e-13, `I_1/2(${x})`);
    assert.ok(rel(besselI(-0.5, x), s * Math.cosh(x)) < 1e-13, `I_-1/2(${x})`);
    assert.ok(rel(besselI(1.5, x), s * (Math.cosh(x) - Math.sinh(x) / x)) < 1e-10, `I_3/2(${x})`);
  }
});

test('integer and real orders agree with the integral representation (Gauss–Legendre)', () => {
  // I_ν(x) = (1/π)∫_0^π e^{x cos t} cos νt dt − (sin νπ/π)∫_0^∞ e^{−x cosh t − νt} dt
  for (const nu of [0, 1, 2, 5, 0.3, 2.7, 7.25, 12.5]) {
    for (const x of [0.5, 2, 10, 20]) {
      const scale = Math.exp(x);
      const a = integrateVector((t, o) => void (o[0] = (Math.exp(x * Math.cos(t)) * Math.cos(nu * t)) / Math.PI), 1, 0, Math.PI, [scale])[0]!;
      const T = Math.acosh(800 / x);
      const b = Number.isInteger(nu)
        ? 0
        : integrateVector((t, o) => void (o[0] = Math.exp(-x * Math.cosh(t) - nu * t)), 1, 0, T, [1])[0]!;
      const ref = a - (Math.sin(nu * Math.PI) / Math.PI) * b;
      const got = besselI(nu, x);
      // quadrature is accurate to ~1e-14·e^x absolute; ask for 1e-10 relative where that is meaningful
      assert.ok(Math.abs(got - ref) < 1e-10 * Math.abs(ref) + 1e-13 * scale, `I_${nu}(${x}) = ${got} vs ${ref}`);
    }
  }
});

/** I_{ν+1}/I_ν from the continued fraction (Gauss), independent of the series. */
function ratioCF(nu: number, x: number): number {
  let f = 0;
  for (let k = 400; k >= 1; k--) f = 1 / ((2 * (nu + k)) / x + f);
  return f;
}

test('orders up to 50 and x up to 20: ratios match the continued fraction to 1e-12', () => {
  for (const nu of [0, 1, 3, 10, 25, 49, 50, 0.4, 17.6, 49.5]) {
    for (const x of [0.1, 1, 5, 13, 20]) {
      assert.ok(rel(besselIRatio(nu, x), ratioCF(nu, x)) < 1e-12, `I_${nu + 1}/I_${nu} at ${x}`);
    }
  }
});

test('sum rule e^{−x}[I_0 + 2Σ I_n] = 1 and the recurrence I_{ν−1} − I_{ν+1} = (2ν/x) I_ν', () => {
  // x = 1500 exercises the Hankel branch for small n and the series for large n together.
  for (const x of [0.3, 2, 20, 150, 1500]) {
    let s = besselIScaled(0, x);
    for (let n = 1; n < 10 * Math.sqrt(x) + 40; n++) s += 2 * besselIScaled(n, x);
    assert.ok(Math.abs(s - 1) < 1e-12, `sum rule at x = ${x}: ${s}`);
  }
  for (const nu of [0.5, 3.3, 20, 44.75]) {
    for (const x of [0.5, 4, 20]) {
      const lhs = besselI(nu - 1, x) - besselI(nu + 1, x);
      assert.ok(rel(lhs, ((2 * nu) / x) * besselI(nu, x)) < 1e-11, `recurrence ν=${nu}, x=${x}`);
    }
  }
});

test('scaled and log forms never overflow, and the Hankel/series switch is continuous', () => {
  const x = 1e5;
  assert.ok(rel(besselIScaled(0, x), (1 + 1 / (8 * x) + 9 / (128 * x * x)) / Math.sqrt(2 * Math.PI * x)) < 1e-14);
  assert.ok(rel(logBesselIScaled(0, x), Math.log(besselIScaled(0, x))) < 1e-15);
  assert.ok(Number.isFinite(logBesselI(3, 5000)));
  assert.ok(rel(logBesselI(3, 5000), 5000 - 0.5 * Math.log(2 * Math.PI * 5000) + Math.log(1 - 35 / 40000 + (35 * 27) / (2 * 40000 * 40000))) < 1e-14);
  for (const nu of [0, 2, 7.5]) {
    const lo = logBesselI(nu, 1000 - 1e-6);
    const hi = logBesselI(nu, 1000 + 1e-6);
    // d/dx ln I_ν = I_{ν+1}/I_ν + ν/x
    const slope = besselIRatio(nu, 1000) + nu / 1000;
    assert.ok(Math.abs((hi - lo) / 2e-6 - slope) < 1e-4, `switch at x = 1000 for ν = ${nu}`);
  }
  assert.ok(besselIScaled(50, 20) > 0 && besselIScaled(400, 1) >= 0);
});

test('symmetries and signs: I_{−n} = I_n, I_n(−x) = (−1)^n I_n(x)', () => {
  assert.is(besselI(-3, 2.5), besselI(3, 2.5));
  assert.ok(rel(besselI(3, -2.5), -besselI(3, 2.5)) < 1e-15);
  assert.ok(rel(besselI(4, -2.5), besselI(4, 2.5)) < 1e-15);
  assert.is(logBesselISigned(3, -1).sign, -1);
  // I_{−1.5}(x) = √(2/πx)(sinh x − cosh x/x) is negative for small x
  const x = 0.5;
  assert.ok(rel(besselI(-1.5, x), Math.sqrt(2 / (Math.PI * x)) * (Math.sinh(x) - Math.cosh(x) / x)) < 1e-13);
});

test('lnGamma: integers, half-integers, reflection', () => {
  assert.ok(Math.abs(lnGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-15);
  assert.ok(Math.abs(lnGamma(11) - Math.log(3628800)) < 1e-14);
  assert.ok(Math.abs(lnGamma(-0.5) - Math.log(2 * Math.sqrt(Math.PI))) < 1e-14);
  // Legendre duplication Γ(z)Γ(z+½) = 2^{1−2z} √π Γ(2z) at z = 50
  assert.ok(Math.abs(lnGamma(50) + lnGamma(50.5) - (-99 * Math.log(2) + 0.5 * Math.log(Math.PI) + lnGamma(100))) < 1e-12);
  assert.ok(Math.abs(lnGamma(100.5) - lnGamma(99.5) - Math.log(99.5)) < 1e-12);
});

test('Gauss–Legendre rule integrates polynomials of degree 2n−1 exactly', () => {
  const { x, w } = gaussLegendre(8);
  let s = 0;
  for (let i = 0; i < 8; i++) s += w[i]! * x[i]! ** 14;
  assert.ok(Math.abs(s - 2 / 15) < 1e-15);
});

test('bad input throws with a message naming the problem', () => {
  assert.throws(() => besselI(NaN, 1), /order/);
  assert.throws(() => besselI(0, Infinity), /argument/);
  assert.throws(() => besselI(0.5, -1), /integer order/);
  assert.throws(() => logBesselI(-1.5, 0.5), /negative/);
});

test.run();
