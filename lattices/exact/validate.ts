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

/**
 * A bound on the cost of an exact sum: `deadline` is a performance.now() time after which the sum
 * gives up with an ExactBudgetError (callers that use exact values as an annotation report null).
 */
export interface ExactBudget {
  deadline?: number;
}

export class ExactBudgetError extends Error {
  override name = 'ExactBudgetError';
}

export function checkBudget(budget: ExactBudget | undefined, what: string): void {
  if (budget?.deadline !== undefined && performance.now() > budget.deadline) {
    throw new ExactBudgetError(`${what}: the exact sum did not finish within its time budget`);
  }
}
