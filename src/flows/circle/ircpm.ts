/**
 * 'ircpm' circle kernel: the IRCPM of a Fourier potential ψ(y) = Σ_{k=1..K} a_k cos ky + b_k sin ky
 * whose 2K coefficients are the context row (a_1..a_K, b_1..b_K), squashed into
 * Σ k²(|a_k| + |b_k|) ≤ η < 1 (fourier.ts). Forward = float64 root find of y + ψ′(y) = θ; inverse
 * explicit. The kernel has no variables of its own.
 */
import { tf } from '../../backend/index.ts';
import type { CircleKernel } from './kernel.ts';
import { squashFourier, fourierForward, fourierInverse } from './fourier.ts';
import { checkKernelInput, checkSolverOptions } from './checks.ts';

export interface IRCPMKernelJSON {
  kind: 'ircpm';
  modes: number;
  eta: number;
  tol: number;
  maxIter: number;
}

export class IRCPMKernel implements CircleKernel {
  readonly kind = 'ircpm' as const;
  readonly contextSize: number;
  readonly variables: tf.Variable[] = [];
  readonly modes: number;
  readonly eta: number;
  readonly tol: number;
  readonly maxIter: number;
  /** largest number of solver updates in the last forward call (diagnostic) */
  lastIterations = 0;

  constructor(cfg: Omit<IRCPMKernelJSON, 'kind'>) {
    const { modes, eta, tol, maxIter } = cfg;
    if (!Number.isInteger(modes) || modes < 1) throw new Error(`ircpm circle kernel: modes must be a positive integer, got ${modes}`);
    if (!(eta > 0 && eta < 1)) throw new Error(`ircpm circle kernel: eta must be in (0, 1), got ${eta}`);
    checkSolverOptions('ircpm', tol, maxIter);
    this.modes = modes;
    this.eta = eta;
    this.tol = tol;
    this.maxIter = maxIter;
    this.contextSize = 2 * modes;
  }

  /** The squashed coefficients (a_1..a_K, b_1..b_K) [n, 2K] of ψ for each context row. */
  coefficients(context: tf.Tensor2D): tf.Tensor2D {
    return squashFourier(context, this.eta);
  }

  forward(theta: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('ircpm', theta, context, this.contextSize)!; // contextSize ≥ 2: never null
    return tf.tidy(() => {
      const r = fourierForward(theta, this.coefficients(ctx), { tol: this.tol, maxIter: this.maxIter });
      this.lastIterations = r.iterations;
      return { y: r.y, logdet: r.logdet, ok: r.ok };
    });
  }

  inverse(y: tf.Tensor1D, context?: tf.Tensor2D) {
    const ctx = checkKernelInput('ircpm', y, context, this.contextSize)!;
    return tf.tidy(() => fourierInverse(y, this.coefficients(ctx)));
  }

  toJSON(): IRCPMKernelJSON {
    return { kind: 'ircpm', modes: this.modes, eta: this.eta, tol: this.tol, maxIter: this.maxIter };
  }
}
