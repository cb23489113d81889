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
import { circleMapOp, type CircleMapJet } from './map-op.ts';
import { solveMonotone, wrapAngle64, type MonotoneSolverOptions } from './solve.ts';

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
 * η · v / B (the direction of v kept, the bound saturated smoothly). A hand-written kernel (float64
 * per row, first derivatives by hand): as tf ops it was ten tiny ops per layer and as many under the
 * tape, which dominated the layer on wasm.
 */
export function squashFourier(raw: tf.Tensor2D, eta: number): tf.Tensor2D {
  if (!(eta > 0 && eta < 1)) throw new Error(`Fourier circle kernel: the bound eta must be in (0, 1), got ${eta}`);
  const K = modes(raw);
  const n = raw.shape[0];
  const w = frequencyWeights(K, 2);
  const eps2 = SMOOTH_ABS_EPS * SMOOTH_ABS_EPS;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const v = (args[0] as tf.Tensor).dataSync();
    const out = new Float32Array(n * 2 * K);
    const phi = new Float64Array(n);
    const dphi = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const o = 2 * K * i;
      let B = 0;
      for (let j = 0; j < 2 * K; j++) B += w[j]! * Math.sqrt(v[o + j]! * v[o + j]! + eps2);
      const t = Math.tanh(B);
      phi[i] = (eta * t) / B;
      dphi[i] = (eta * (B * (1 - t * t) - t)) / (B * B); // d(η tanh B / B)/dB
      for (let j = 0; j < 2 * K; j++) out[o + j] = phi[i]! * v[o + j]!;
    }
    return {
      value: tf.tensor2d(out, [n, 2 * K]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync();
        const gv = new Float32Array(n * 2 * K);
        for (let i = 0; i < n; i++) {
          const o = 2 * K * i;
          let gDotV = 0;
          for (let j = 0; j < 2 * K; j++) gDotV += g[o + j]! * v[o + j]!;
          for (let j = 0; j < 2 * K; j++) {
            const vj = v[o + j]!;
            gv[o + j] = phi[i]! * g[o + j]! + gDotV * dphi[i]! * (w[j]! * vj) / Math.sqrt(vj * vj + eps2);
          }
        }
        return [tf.tensor2d(gv, [n, 2 * K])];
      },
    };
  });
  return f(raw) as tf.Tensor2D;
}

/** ψ′(y), 1 + ψ″(y) in float64 for one coefficient row (a at off, b at off + K); cos/sin ky by recurrence. */
function slopes64(v: ArrayLike<number>, off: number, K: number, y: number, out: Float64Array): void {
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

/**
 * The jet of g(y) = y + ψ′(y) for one coefficient row (circleMapOp's layout, P = 2K):
 * g′ = 1 + ψ″, ∂ℓ/∂y = ψ‴/g′, ∂g/∂(a_k, b_k) = (−k sin ky, k cos ky),
 * ∂ℓ/∂(a_k, b_k) = (−k² cos ky, −k² sin ky)/g′.
 */
function fourierJet(v: ArrayLike<number>, K: number): CircleMapJet {
  return (i, y, out) => {
    const off = 2 * K * i;
    let d2 = 0;
    let d3 = 0;
    for (let k = 1; k <= K; k++) {
      const a = v[off + k - 1]!;
      const b = v[off + K + k - 1]!;
      const c = Math.cos(k * y);
      const s = Math.sin(k * y);
      d2 -= k * k * (a * c + b * s);
      d3 += k * k * k * (a * s - b * c);
      out[2 + k - 1] = -k * s;
      out[2 + K + k - 1] = k * c;
      out[2 + 2 * K + k - 1] = -k * k * c;
      out[2 + 3 * K + k - 1] = -k * k * s;
    }
    const g1 = 1 + d2;
    out[0] = g1;
    out[1] = d3 / g1;
    for (let j = 2 + 2 * K; j < 2 + 4 * K; j++) out[j] = out[j]! / g1;
  };
}

/** Explicit inverse x = g(y) = wrap(y + ψ′(y)), logdet = log dx/dy = log(1 + ψ″(y)). */
export function fourierInverse(y: tf.Tensor1D, coef: tf.Tensor2D): { x: tf.Tensor1D; logdet: tf.Tensor1D; ok: tf.Tensor1D } {
  const K = modes(coef);
  const n = y.shape[0];
  if (coef.shape[0] !== n) throw new Error(`Fourier circle kernel: ${n} angles but ${coef.shape[0]} coefficient rows`);
  const v = coef.dataSync();
  const yv = y.dataSync();
  const solved = Float64Array.from(yv);
  const values = new Float32Array(2 * n);
  const fv = new Float64Array(2);
  for (let i = 0; i < n; i++) {
    slopes64(v, 2 * K * i, K, solved[i]!, fv);
    values[i] = wrapAngle64(fv[0]!);
    values[n + i] = Math.log(fv[1]!);
  }
  return tf.tidy(() => {
    const { value: x, logdet } = circleMapOp(y, coef, values, solved, 'explicit', fourierJet(v, K));
    return { x, logdet, ok: tf.onesLike(y) as tf.Tensor1D };
  });
}

export interface FourierForwardResult {
  y: tf.Tensor1D;
  logdet: tf.Tensor1D;
  ok: tf.Tensor1D;
  /** largest number of solver updates any sample needed */
  iterations: number;
}

/**
 * Forward y = f(θ): solve g(y) = θ in float64 (safeguarded Newton, solve.ts), return y wrapped and
 * logdet = log dy/dθ = −log(1 + ψ″(y)), with the implicit-function-theorem first derivatives
 * (map-op.ts; higher derivatives are not provided).
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
  const values = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    values[i] = wrapAngle64(sol.x[i]!);
    values[n + i] = -Math.log(sol.slope[i]!);
  }
  return tf.tidy(() => {
    const { value: y, logdet } = circleMapOp(theta, coef, values, sol.x, 'solved', fourierJet(v, K));
    return { y, logdet, ok: tf.tensor1d(sol.ok), iterations: sol.iterations };
  });
}
