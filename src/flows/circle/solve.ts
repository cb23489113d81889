/**
 * The root find every implicit circle kernel shares (its derivatives enter the tape through
 * map-op.ts):
 *
 * `solveMonotone`: a 1-D root find in float64 on the JavaScript side, F_i(x) = target_i for an
 *    increasing F_i, by Newton's method safeguarded by bisection on a bracket [lo_i, hi_i] with
 *    F_i(lo_i) ≤ target_i ≤ F_i(hi_i). Newton converges quadratically where F is smooth; whenever a
 *    Newton step would leave the current bracket the step is replaced by bisection, so the iteration
 *    cannot diverge or cycle. A sample is `ok` only if the returned point satisfies the stopping test
 *    (never because the iteration cap ran out).
 */

export interface MonotoneSolverOptions {
  /**
   * stopping test: |F(x) − target| ≤ tol · max(1, F′(x)), i.e. the residual is below tol where F is
   * flat and the Newton estimate of the distance to the root, |residual| / F′, is below tol where F is
   * steep (a steep F cannot reach a tiny residual in float64)
   */
  tol: number;
  /** most Newton/bisection updates per sample; 0 only tests the starting point */
  maxIter: number;
}

export interface MonotoneSolveResult {
  x: Float64Array;
  /** F′ at the returned x */
  slope: Float64Array;
  /** 1 where the stopping test holds at the returned x, else 0 */
  ok: Float32Array;
  /** largest number of updates any sample needed */
  iterations: number;
}

/**
 * Evaluate F_i and F′_i at x; write them to out[0], out[1]. Called once per iteration and sample,
 * so it must not allocate.
 */
export type MonotoneFunction = (i: number, x: number, out: Float64Array) => void;

export function solveMonotone(
  fn: MonotoneFunction,
  target: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  start: Float64Array,
  opts: MonotoneSolverOptions,
): MonotoneSolveResult {
  const { tol, maxIter } = opts;
  if (!(tol > 0)) throw new Error(`solveMonotone: tol must be positive, got ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new Error(`solveMonotone: maxIter must be a non-negative integer, got ${maxIter}`);
  const n = target.length;
  if (lo.length !== n || hi.length !== n || start.length !== n) throw new Error('solveMonotone: target, lo, hi and start must have one entry per sample');
  const x = new Float64Array(n);
  const slope = new Float64Array(n);
  const ok = new Float32Array(n);
  const fv = new Float64Array(2);
  let iterations = 0;
  for (let i = 0; i < n; i++) {
    let a = lo[i]!;
    let b = hi[i]!;
    let xi = start[i]!;
    if (!(xi >= a && xi <= b)) xi = 0.5 * (a + b);
    const t = target[i]!;
    for (let it = 0; ; it++) {
      fn(i, xi, fv);
      const r = fv[0]! - t;
      const d = fv[1]!;
      if (Math.abs(r) <= tol * Math.max(1, d)) {
        ok[i] = 1;
        iterations = Math.max(iterations, it);
        break;
      }
      if (it >= maxIter || !Number.isFinite(r)) {
        iterations = Math.max(iterations, it);
        break;
      }
      if (r > 0) b = xi;
      else a = xi;
      let next = xi - r / d;
      if (!(next > a && next < b)) next = 0.5 * (a + b);
      if (next === xi) {
        // the bracket has collapsed to adjacent doubles: x is as exact as float64 allows
        ok[i] = 1;
        iterations = Math.max(iterations, it);
        break;
      }
      xi = next;
    }
    x[i] = xi;
    slope[i] = fv[1]!;
  }
  return { x, slope, ok, iterations };
}

const TWO_PI = 2 * Math.PI;
/** float64 twin of `wrapAngle` (src/manifolds/torus.ts): wrap to [−π, π). */
export function wrapAngle64(a: number): number {
  return a - TWO_PI * Math.floor((a + Math.PI) / TWO_PI);
}
