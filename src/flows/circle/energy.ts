/**
 * 'energy' circle kernel: the energy-informed IRCPM potential (IRCPM paper §3.3) built from the local
 * Wilson action. With everything frozen held fixed, the action seen by the active plaquette as a
 * function of its new angle y is
 *
 *   u(y) = −β [cos y + Σ_j cos(c_j + σ_j y)],
 *
 * c_j the angles of the loops through the active link with its contribution removed (context), σ_j = ±1
 * their orientations (configuration). Since cos(c + σy) = cos c cos y − σ sin c sin y,
 *
 *   u(y)  = A cos y + B sin y,   A = −β (1 + Σ_j cos c_j),   B = β Σ_j σ_j sin c_j,
 *   u′(y)² = (A² + B²)/2 + (B² − A²)/2 · cos 2y − A B · sin 2y.
 *
 * The potential is ψ = α u + m u′² (constant dropped) plus an optional learned Fourier correction of K
 * modes (raw context columns after the loop angles): coefficients
 *   a_1 = α A, b_1 = α B, a_2 = m (B² − A²)/2, b_2 = −m A B, + correction,
 * and the total goes through the same squash and the same IRCPM solver as the 'ircpm' kernel
 * (fourier.ts). α and m are the kernel's own trainable scalars (shared by all angles and, being
 * dimensionless multiples of the action, transferable across L and β).
 *
 * Context row: (c_1..c_J, raw a_1..a_K, raw b_1..b_K).
 */
import { tf } from '../../backend/index.ts';
import type { CircleKernel } from './kernel.ts';
import { squashFourier, fourierForward, fourierInverse } from './fourier.ts';
import { checkKernelInput, checkSolverOptions } from './checks.ts';

export interface EnergyKernelJSON {
  kind: 'energy';
  beta: number;
  sigma: number[];
  correctionModes: number;
  eta: number;
  tol: number;
  maxIter: number;
  /** current values of the kernel's variables */
  alpha: number;
  m: number;
}

export class EnergyKernel implements CircleKernel {
  readonly kind = 'energy' as const;
  readonly contextSize: number;
  readonly variables: tf.Variable[];
  readonly beta: number;
  readonly sigma: number[];
  readonly correctionModes: number;
  readonly eta: number;
  readonly tol: number;
  readonly maxIter: number;
  /** Fourier modes of the total potential: max(2, K) */
  readonly modes: number;
  readonly alpha: tf.Variable;
  readonly m: tf.Variable;
  /** largest number of solver updates in the last forward call (diagnostic) */
  lastIterations = 0;

  constructor(cfg: Omit<EnergyKernelJSON, 'kind'>) {
    const { beta, sigma, correctionModes, eta, tol, maxIter, alpha, m } = cfg;
    if (!Number.isFinite(beta)) throw new Error(`energy circle kernel: beta must be a finite number, got ${beta}`);
    if (!Array.isArray(sigma) || sigma.some((s) => s !== 1 && s !== -1)) throw new Error(`energy circle kernel: sigma must be an array of orientations ±1, got ${JSON.stringify(sigma)}`);
    if (!Number.isInteger(correctionModes) || correctionModes < 0) throw new Error(`energy circle kernel: correctionModes must be a non-negative integer, got ${correctionModes}`);
    if (!(eta > 0 && eta < 1)) throw new Error(`energy circle kernel: eta must be in (0, 1), got ${eta}`);
    if (!Number.isFinite(alpha) || !Number.isFinite(m)) throw new Error(`energy circle kernel: alpha and m must be finite numbers, got ${alpha}, ${m}`);
    checkSolverOptions('energy', tol, maxIter);
    this.beta = beta;
    this.sigma = sigma.slice();
    this.correctionModes = correctionModes;
    this.eta = eta;
    this.tol = tol;
    this.maxIter = maxIter;
    this.modes = Math.max(2, correctionModes);
    this.contextSize = sigma.length + 2 * correctionModes;
    this.alpha = tf.variable(tf.scalar(alpha));
    this.m = tf.variable(tf.scalar(m));
    this.variables = [this.alpha, this.m];
  }

  /**
   * The potential's Fourier coefficients (a_1..a_Kt, b_1..b_Kt) [n, 2Kt] before the squash, Kt = max(2, K):
   * α u + m u′² (without its constant) plus the raw correction. A hand-written kernel with its first
   * derivatives w.r.t. the context, α and m (two dozen tiny tf ops per layer before, the largest cost
   * of a layer on wasm):
   *   ∂/∂α: (a_1, b_1) += (A, B);  ∂/∂m: (a_2, b_2) += ((B² − A²)/2, −AB);
   *   ∂A/∂c_j = β sin c_j,  ∂B/∂c_j = β σ_j cos c_j;  the correction columns pass through.
   */
  potentialCoefficients(context: tf.Tensor2D | null, n: number): tf.Tensor2D {
    const J = this.sigma.length;
    const K = this.correctionModes;
    const Kt = this.modes;
    const P = J + 2 * K;
    const { beta, sigma } = this;
    const withContext = context !== null && P > 0;
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const c = withContext ? (args[0] as tf.Tensor).dataSync() : new Float32Array(0);
      const alpha = (args[withContext ? 1 : 0] as tf.Tensor).dataSync()[0]!;
      const m = (args[withContext ? 2 : 1] as tf.Tensor).dataSync()[0]!;
      const A = new Float64Array(n);
      const B = new Float64Array(n);
      const out = new Float32Array(n * 2 * Kt);
      for (let i = 0; i < n; i++) {
        let cs = 0;
        let sn = 0;
        for (let j = 0; j < J; j++) {
          cs += Math.cos(c[P * i + j]!);
          sn += sigma[j]! * Math.sin(c[P * i + j]!);
        }
        const a = -beta * (1 + cs);
        const b = beta * sn;
        A[i] = a;
        B[i] = b;
        const o = 2 * Kt * i;
        out[o] = alpha * a;
        out[o + 1] = 0.5 * m * (b * b - a * a);
        out[o + Kt] = alpha * b;
        out[o + Kt + 1] = -m * a * b;
        for (let k = 0; k < K; k++) {
          out[o + k] += c[P * i + J + k]!;
          out[o + Kt + k] += c[P * i + J + K + k]!;
        }
      }
      return {
        value: tf.tensor2d(out, [n, 2 * Kt]),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
          const g = (dy as tf.Tensor).dataSync();
          const gc = new Float32Array(n * P);
          let gAlpha = 0;
          let gM = 0;
          for (let i = 0; i < n; i++) {
            const o = 2 * Kt * i;
            const a = A[i]!;
            const b = B[i]!;
            const [ga1, ga2, gb1, gb2] = [g[o]!, g[o + 1]!, g[o + Kt]!, g[o + Kt + 1]!];
            gAlpha += ga1 * a + gb1 * b;
            gM += 0.5 * ga2 * (b * b - a * a) - gb2 * a * b;
            const gA = ga1 * alpha - ga2 * m * a - gb2 * m * b;
            const gB = gb1 * alpha + ga2 * m * b - gb2 * m * a;
            for (let j = 0; j < J; j++) {
              const cj = c[P * i + j]!;
              gc[P * i + j] = beta * (gA * Math.sin(cj) + gB * sigma[j]! * Math.cos(cj));
            }
            for (let k = 0; k < K; k++) {
              gc[P * i + J + k] = g[o + k]!;
              gc[P * i + J + K + k] = g[o + Kt + k]!;
            }
          }
          const gs = [tf.scalar(gAlpha), tf.scalar(gM)];
          return withContext ? [tf.tensor2d(gc, [n, P]), ...gs] : gs;
        },
      };
    });
    const inputs = withContext ? [context, this.alpha, this.m] : [this.alpha, this.m];
    return f(...(inputs as tf.Tensor[])) as tf.Tensor2D;
  }

  /** The squashed coefficients the IRCPM uses. */
  coefficients(context: tf.Tensor2D | null, n: number): tf.Tensor2D {
    return tf.tidy(() => squashFourier(this.potentialCoefficients(context, n), this.eta));
  }

  forward(theta: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('energy', theta, context, this.contextSize);
    return tf.tidy(() => {
      const r = fourierForward(theta, this.coefficients(ctx, theta.shape[0]), { tol: this.tol, maxIter: this.maxIter });
      this.lastIterations = r.iterations;
      return { y: r.y, logdet: r.logdet, ok: r.ok };
    });
  }

  inverse(y: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('energy', y, context, this.contextSize);
    return tf.tidy(() => fourierInverse(y, this.coefficients(ctx, y.shape[0])));
  }

  toJSON(): EnergyKernelJSON {
    return {
      kind: 'energy',
      beta: this.beta,
      sigma: this.sigma.slice(),
      correctionModes: this.correctionModes,
      eta: this.eta,
      tol: this.tol,
      maxIter: this.maxIter,
      alpha: this.alpha.dataSync()[0]!,
      m: this.m.dataSync()[0]!,
    };
  }
}
