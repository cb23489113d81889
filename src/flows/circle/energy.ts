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
   * α u + m u′² (without its constant) plus the raw correction.
   */
  potentialCoefficients(context: tf.Tensor2D | null, n: number): tf.Tensor2D {
    const J = this.sigma.length;
    const K = this.correctionModes;
    const Kt = this.modes;
    return tf.tidy(() => {
      let A: tf.Tensor; // [n, 1]
      let B: tf.Tensor;
      if (J > 0 && context) {
        const c = tf.slice(context, [0, 0], [-1, J]);
        A = tf.mul(-this.beta, tf.add(1, tf.sum(tf.cos(c), 1, true)));
        B = tf.mul(this.beta, tf.sum(tf.mul(tf.sin(c), tf.tensor1d(this.sigma)), 1, true));
      } else {
        A = tf.fill([n, 1], -this.beta);
        B = tf.zeros([n, 1]);
      }
      const a1 = tf.mul(this.alpha, A);
      const b1 = tf.mul(this.alpha, B);
      const a2 = tf.mul(tf.mul(this.m, 0.5), tf.sub(tf.square(B), tf.square(A)));
      const b2 = tf.neg(tf.mul(this.m, tf.mul(A, B)));
      const pad = Kt > 2 ? [tf.zeros([n, Kt - 2])] : [];
      let coef: tf.Tensor = tf.concat([a1, a2, ...pad, b1, b2, ...pad], 1);
      if (K > 0 && context) {
        const padK = K < Kt ? [tf.zeros([n, Kt - K])] : [];
        const corrA = tf.slice(context, [0, J], [-1, K]);
        const corrB = tf.slice(context, [0, J + K], [-1, K]);
        coef = tf.add(coef, tf.concat([corrA, ...padK, corrB, ...padK], 1));
      }
      return coef as tf.Tensor2D;
    });
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
