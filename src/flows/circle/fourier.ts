/**
 * The Fourier IRCPM on the circle, shared by the 'ircpm' and 'energy' kernels.
 *
 * ψ(y) = Σ_{k=1..K} a_k cos ky + b_k sin ky, coefficients stored per angle as one row
 * (a_1 … a_K, b_1 … b_K). The IRCPM f is the proximal map of ψ; its inverse is explicit,
 * g(y) = y + ψ′(y), with g′ = 1 + ψ″ ≥ 1 − Σ k²(|a_k| + |b_k|). `squashFourier` puts any raw row into
 * the set Σ k²(|a_k| + |b_k|) ≤ η < 1, so g′ ≥ 1 − η > 0 and g (hence f) is a diffeomorphism of the
 * circle for every input. Since also |ψ′| ≤ η < 1, the solution of g(y) = x lies in [x − 1, x + 1],
 * the bracket of the forward root find.
 */
import { tf } from '../../backend/index.ts';
import { wrapAngle } from '../../manifolds/torus.ts';
import { solveMonotone, tangentOnly, wrapAngle64, type MonotoneSolverOptions } from './solve.ts';

/** |v| is smoothed as sqrt(v² + ε²) ≥ |v| inside the bound, so the squash is C^∞ (and never 0/0). */
const SMOOTH_ABS_EPS = 1e-3;

function modes(coef: tf.Tensor2D): number {
  const w = coef.shape[1];
  if (w < 2 || w % 2 !== 0) throw new Error(`Fourier circle kernel: coefficient rows must hold 2K values (a_1..a_K, b_1..b_K), got ${w}`);
  return w / 2;
}

/** (k, …, k) for a and b halves: [1..K, 1..K] raised to `power` */
function frequencyWeights(K: number, power: number): number[] {
  const k = Array.from({ length: K }, (_, i) => (i + 1) ** power);
  return [...k, ...k];
}

/**
 * Raw rows v [n, 2K] → coefficients c = η · tanh(B)/B · v with B = Σ k² sqrt(v² + ε²) (ε = 1e-3).
 * Then Σ k²|c| ≤ η · tanh(B) < η for every v; near v = 0 the map is ≈ η · v, for large v it is
 * η · v / B (the direction of v kept, the bound saturated smoothly).
 */
export function squashFourier(raw: tf.Tensor2D, eta: number): tf.Tensor2D {
  if (!(eta > 0 && eta < 1)) throw new Error(`Fourier circle kernel: the bound eta must be in (0, 1), got ${eta}`);
  const K = modes(raw);
  return tf.tidy(() => {
    const k2 = tf.tensor1d(frequencyWeights(K, 2));
    const smoothAbs = tf.sqrt(tf.add(tf.square(raw), SMOOTH_ABS_EPS * SMOOTH_ABS_EPS));
    const B = tf.sum(tf.mul(smoothAbs, k2), 1, true); // [n, 1]
    return tf.mul(raw, tf.mul(eta, tf.div(tf.tanh(B), B))) as tf.Tensor2D;
  });
}

/** ψ′(y) and log g′(y) = log(1 + ψ″(y)), differentiable in y and the coefficients (every order). */
export function fourierSlopes(y: tf.Tensor1D, coef: tf.Tensor2D): { dpsi: tf.Tensor1D; logSlope: tf.Tensor1D } {
  const K = modes(coef);
  return tf.tidy(() => {
    const ky = tf.mul(tf.reshape(y, [-1, 1]), tf.tensor2d([Array.from({ length: K }, (_, i) => i + 1)])); // [n, K]
    const c = tf.cos(ky);
    const s = tf.sin(ky);
    // ψ′ = Σ k(−a sin ky + b cos ky);  ψ″ = −Σ k²(a cos ky + b sin ky)
    const k1 = tf.tensor1d(frequencyWeights(K, 1));
    const k2 = tf.tensor1d(frequencyWeights(K, 2));
    const dpsi = tf.sum(tf.mul(tf.mul(coef, k1), tf.concat([tf.neg(s), c], 1)), 1) as tf.Tensor1D;
    const d2psi = tf.neg(tf.sum(tf.mul(tf.mul(coef, k2), tf.concat([c, s], 1)), 1));
    return { dpsi, logSlope: tf.log(tf.add(1, d2psi)) as tf.Tensor1D };
  });
}

/** Explicit inverse x = g(y) = wrap(y + ψ′(y)), logdet = log dx/dy = log(1 + ψ″(y)). */
export function fourierInverse(y: tf.Tensor1D, coef: tf.Tensor2D): { x: tf.Tensor1D; logdet: tf.Tensor1D; ok: tf.Tensor1D } {
  return tf.tidy(() => {
    const { dpsi, logSlope } = fourierSlopes(y, coef);
    return { x: wrapAngle(tf.add(y, dpsi)) as tf.Tensor1D, logdet: logSlope, ok: tf.onesLike(y) as tf.Tensor1D };
  });
}

/** ψ′(y), 1 + ψ″(y) in float64 for one coefficient row (a at off, b at off + K); cos/sin ky by recurrence. */
function slopes64(v: Float32Array, off: number, K: number, y: number, out: Float64Array): void {
  const c1 = Math.cos(y);
  const s1 = Math.sin(y);
  let c = c1;
  let s = s1;
  let d1 = 0;
  let d2 = 0;
  for (let k = 1; k <= K; k++) {
    const a = v[off + k - 1]!;
    const b = v[off + K + k - 1]!;
    d1 += k * (b * c - a * s);
    d2 -= k * k * (a * c + b * s);
    const cn = c * c1 - s * s1;
    s = s * c1 + c * s1;
    c = cn;
  }
  out[0] = y + d1;
  out[1] = 1 + d2;
}

export interface FourierForwardResult {
  y: tf.Tensor1D;
  logdet: tf.Tensor1D;
  ok: tf.Tensor1D;
  /** largest number of solver updates any sample needed */
  iterations: number;
}

/**
 * Forward y = f(θ): solve g(y) = θ in float64 (safeguarded Newton), then return y as
 * y* + tangentOnly((θ − ψ′_c(y*))/g′(y*)), where ψ′_c(y*) = Σ_k (−k sin ky*, k cos ky*) · c is linear in
 * the coefficient tensor with the trigonometric factors frozen at y*: the implicit-function-theorem
 * derivatives dy/dθ = 1/g′, dy/dc = −∂_c ψ′(y*)/g′ (first order only; see solve.ts).
 * logdet = log dy/dθ = −log(1 + ψ″(y)) on that tensor.
 */
export function fourierForward(theta: tf.Tensor1D, coef: tf.Tensor2D, opts: MonotoneSolverOptions): FourierForwardResult {
  const K = modes(coef);
  const n = theta.shape[0];
  if (coef.shape[0] !== n) throw new Error(`Fourier circle kernel: ${n} angles but ${coef.shape[0]} coefficient rows`);
  const v = coef.dataSync() as Float32Array;
  const th = theta.dataSync();
  const target = new Float64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const start = new Float64Array(n);
  const fv = new Float64Array(2);
  for (let i = 0; i < n; i++) {
    const x = wrapAngle64(th[i]!);
    target[i] = x;
    lo[i] = x - 1;
    hi[i] = x + 1;
    slopes64(v, 2 * K * i, K, x, fv);
    start[i] = 2 * x - fv[0]!; // x − ψ′(x): one fixed-point step from the identity
  }
  const sol = solveMonotone((i, y, out) => slopes64(v, 2 * K * i, K, y, out), target, lo, hi, start, opts);
  const yWrapped = new Float32Array(n);
  const slope = new Float32Array(n);
  const dPsiDc = new Float32Array(n * 2 * K);
  for (let i = 0; i < n; i++) {
    const y = sol.x[i]!;
    yWrapped[i] = wrapAngle64(y);
    slope[i] = sol.slope[i]!;
    for (let k = 1; k <= K; k++) {
      dPsiDc[2 * K * i + k - 1] = -k * Math.sin(k * y);
      dPsiDc[2 * K * i + K + k - 1] = k * Math.cos(k * y);
    }
  }
  return tf.tidy(() => {
    const dpsi = tf.sum(tf.mul(coef, tf.tensor2d(dPsiDc, [n, 2 * K])), 1);
    const step = tf.div(tf.sub(theta, dpsi), tf.tensor1d(slope));
    const y = tf.add(tf.tensor1d(yWrapped), tangentOnly(step)) as tf.Tensor1D;
    const { logSlope } = fourierSlopes(y, coef);
    return { y, logdet: tf.neg(logSlope) as tf.Tensor1D, ok: tf.tensor1d(sol.ok), iterations: sol.iterations };
  });
}
