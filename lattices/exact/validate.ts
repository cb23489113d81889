/** Input checks shared by the exact-result functions: bad input is an error, never NaN. */

export function assertFinite(what: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${what} must be a finite number, got ${String(x)}`);
}

export function assertBeta(beta: number): void {
  assertFinite('beta', beta);
  if (beta < 0) throw new Error(`beta must be ≥ 0, got ${beta}`);
}

export function assertIntAtLeast(what: string, n: number, min: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`${what} must be an integer, got ${String(n)}`);
  if (n < min) throw new Error(`${what} must be at least ${min}, got ${n}`);
}

export function assertCoeffs(coeffs: readonly number[]): void {
  if (!Array.isArray(coeffs) || coeffs.length === 0) throw new Error('coeffs must be a non-empty array of numbers');
  coeffs.forEach((c, i) => assertFinite(`coeffs[${i}]`, c));
}
