import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { singleMatrixSUN, singleMatrixU1 } from '../../../lattices/exact/single-matrix.ts';
import { sunSinglePlaquette } from '../../../lattices/exact/sun.ts';
import { besselI } from '../../../lattices/exact/bessel.ts';

function toDigits(x: number, ref: string, what: string): void {
  const tol = 0.5 * 10 ** -(ref.split('.')[1]?.length ?? 0);
  assert.ok(Math.abs(x - Number(ref)) <= tol, `${what}: ${x} does not round to ${ref}`);
}

const c3 = [0.17, -0.65, 1.22];

test('reference: SU(3), β = 9, c = (0.17, −0.65, 1.22)', () => {
  const r = singleMatrixSUN(3, 9, c3);
  toDigits(r.retr, '0.05993', '⟨⅓ Re tr U⟩');
  toDigits(r.logZ, '8.7624', 'ln(Z/Z_Haar)');
});

test('∂ ln Z/∂c₁ = β ⟨(1/N) Re tr U⟩ (finite differences in c₁, reference target)', () => {
  const h = 1e-5;
  const beta = 9;
  const up = singleMatrixSUN(3, beta, [c3[0]! + h, c3[1]!, c3[2]!]).logZ;
  const dn = singleMatrixSUN(3, beta, [c3[0]! - h, c3[1]!, c3[2]!]).logZ;
  assert.ok(Math.abs((up - dn) / (2 * h) - beta * singleMatrixSUN(3, beta, c3).retr) < 1e-7);
});

test('SU(2), c = (1): Bessel closed forms ln Z = ln(2I₁(β)/β), ⟨½ tr U⟩ = I₂/I₁', () => {
  for (const beta of [0.5, 3, 10, 40]) {
    const r = singleMatrixSUN(2, beta, [1]);
    assert.ok(Math.abs(r.logZ - Math.log((2 * besselI(1, beta)) / beta)) < 1e-12, `β=${beta}`);
    assert.ok(Math.abs(r.retr - besselI(2, beta) / besselI(1, beta)) < 1e-12, `β=${beta}`);
  }
});

test('β = 0 (Haar): ln Z = 0 and ⟨Re tr U⟩ = 0 for N = 2, 3, 4', () => {
  for (const N of [2, 3, 4]) {
    const r = singleMatrixSUN(N, 0, [1, -0.3]);
    assert.ok(Math.abs(r.logZ) < 1e-14, `N=${N}: ${r.logZ}`);
    assert.ok(Math.abs(r.retr) < 1e-14);
  }
});

test('Haar moments: ⟨|tr U|²⟩ = 1 and ⟨tr U²⟩ = 0 (N ≥ 3) show up in the weak-coupling expansion', () => {
  // ln Z(β) = (β/N)² ⟨(Re tr U)²⟩/2 + O(β³) with ⟨(Re tr U)²⟩ = ½ for N ≥ 3 (and 1 for N = 2)
  const beta = 1e-3;
  for (const [N, m2] of [[2, 1], [3, 0.5], [4, 0.5]] as const) {
    const r = singleMatrixSUN(N, beta, [1]);
    const expect = ((beta / N) ** 2 * m2) / 2;
    assert.ok(Math.abs(r.logZ / expect - 1) < 1e-2, `N=${N}: ${r.logZ} vs ${expect}`);
  }
});

test('Wilson weight c = (c₁) agrees with the Bessel determinant, including c₁ < 0; N > 4 uses it', () => {
  for (const [N, b] of [[3, 5], [3, -5], [4, 3], [4, -2.5], [2, -4]] as const) {
    const q = singleMatrixSUN(N, Math.abs(b), [Math.sign(b)]);
    const d = sunSinglePlaquette(N, b);
    assert.ok(Math.abs(q.logZ - d.logZ) < 1e-11 && Math.abs(q.retr - d.retr) < 1e-11, `N=${N} b=${b}`);
  }
  const r5 = singleMatrixSUN(5, 3, [1]);
  assert.is(r5.gridPerAngle, 0);
  assert.ok(Math.abs(r5.retr - sunSinglePlaquette(5, 3).retr) < 1e-15);
});

test('converges spectrally: a tighter tolerance changes nothing beyond 1e-12', () => {
  const a = singleMatrixSUN(4, 6, [0.5, 0.4]);
  const b = singleMatrixSUN(4, 6, [0.5, 0.4], { tol: 1e-14 });
  assert.ok(Math.abs(a.logZ - b.logZ) < 1e-12 && Math.abs(a.retr - b.retr) < 1e-12);
});

test('U(1): ⟨cos θ⟩ = I₁/I₀, ln Z = ln I₀ for c = (1); c = (0, 1) gives ⟨cos θ⟩ = 0', () => {
  const r = singleMatrixU1(2, [1]);
  assert.ok(Math.abs(r.retr - besselI(1, 2) / besselI(0, 2)) < 1e-14);
  assert.ok(Math.abs(r.logZ - Math.log(besselI(0, 2))) < 1e-14);
  const s = singleMatrixU1(3, [0, 1]);
  assert.ok(Math.abs(s.retr) < 1e-14);
  assert.ok(Math.abs(s.logZ - Math.log(besselI(0, 3))) < 1e-14);
});

test('bad input throws with a clear message', () => {
  assert.throws(() => singleMatrixSUN(5, 1, [1, 0.5]), /N ≤ 4/);
  assert.throws(() => singleMatrixSUN(1, 1, [1]), /N must be at least 2/);
  assert.throws(() => singleMatrixSUN(3, -1, [1]), /beta/);
  assert.throws(() => singleMatrixSUN(3, 1, []), /coeffs/);
  assert.throws(() => singleMatrixSUN(3, 1, [1, NaN]), /coeffs\[1\]/);
  assert.throws(() => singleMatrixSUN(4, 100, [1, 1, 1, 1], { maxPoints: 1 << 18 }), /needs more than|beyond/);
});

test.run();
