/**
 * Differentiable batched eigen-decomposition of unitary matrices, W = V diag(e^{iθ}) V†
 * (docs/design.md, "SU(N) spectral layer", "Differentiating the eigen-decomposition").
 *
 * Forward: the float64 `eigUnitary` of lattices/matrix.ts (Hessenberg + shifted complex QR; any N,
 * orthonormal eigenvectors also for degenerate eigenvalues) on the widened float32 data, one matrix
 * at a time. θ_k ∈ (−π, π], column k of V is the eigenvector of e^{iθ_k}.
 *
 * Backward (tf.customGrad, computed in float64 on the JS side): with λ_k = e^{iθ_k}, a real loss L
 * and complex cotangents Z̄ = ∂L/∂Re Z + i ∂L/∂Im Z (so dL = Re tr Z̄† dZ), the differentials at a
 * normal W are, with C = V† dW V,
 *   dθ_i = Im(λ̄_i C_ii),   dV = V (F ∘ C),  F_ij = 1/(λ_j − λ_i) (i ≠ j), F_ii = 0,
 * hence W̄ = V C̄ V† with C̄_ii = i θ̄_i λ_i and C̄_ij = conj(F_ij) (V† V̄)_ij. The gauge part of V̄
 * (the diagonal of V†V̄) is dropped: it is zero for anything that depends on V only through
 * V diag(·) V†, which is what the spectral layers rebuild. These are the derivatives along every
 * direction dW = X W with X anti-Hermitian (the tangent space of U(N), the only directions the
 * layers produce); other directions are not meaningful for a unitary input.
 *
 * Degeneracy (stated behaviour): F is broadened, conj(F_ij) = (λ_j − λ_i) / (|λ_j − λ_i|² + ε²),
 * ε = `epsilon` (default 1e-4). For gaps ≫ ε this is the exact adjoint (relative change ε²/gap²);
 * for gaps ≲ ε the eigenvector channel is damped smoothly to zero, so U = 1, centre elements and
 * partially degenerate matrices give finite values and finite gradients (never NaN), exact for
 * every symmetric function of the eigenvalues, but without the eigenvector term, which is not
 * defined there. Callers get the smallest eigenvalue gap per sample (`minGap`) and flag samples
 * below their tolerance as not ok (spectral layers: 1e-3), so training never uses those gradients.
 */
import { tf } from '../../backend/index.ts';
import { eigUnitary } from '../../../lattices/matrix.ts';
import type { CMat } from './complex.ts';

export interface EigResult {
  /** eigen-phases θ [B, N], each in (−π, π] */
  theta: tf.Tensor2D;
  /** eigenvectors (columns) [B, N, N] */
  V: CMat;
  /** smallest |e^{iθ_i} − e^{iθ_j}| per sample (float64; +∞ for N = 1) */
  minGap: Float64Array;
}

export const DEFAULT_EIG_EPSILON = 1e-4;

/** Float64 eigen-decomposition of every matrix of a batch: phases [B·N], vectors interleaved [B·2N²]. */
export function eigBatch64(re: ArrayLike<number>, im: ArrayLike<number>, B: number, N: number): { phases: Float64Array; vecs: Float64Array } {
  const n2 = N * N;
  const a = new Float64Array(2 * n2);
  const phases = new Float64Array(B * N);
  const vecs = new Float64Array(B * 2 * n2);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < n2; k++) {
      a[2 * k] = re[b * n2 + k];
      a[2 * k + 1] = im[b * n2 + k];
    }
    eigUnitary(a, 0, N, phases, b * N, vecs, b * 2 * n2);
  }
  return { phases, vecs };
}

/** W̄ (re, im) from θ̄ and V̄ for one batch, in float64 (see the header for the formula). */
function eigBackward(
  phases: Float64Array,
  vecs: Float64Array,
  dTheta: ArrayLike<number>,
  dVre: ArrayLike<number>,
  dVim: ArrayLike<number>,
  B: number,
  N: number,
  eps: number,
): { re: Float32Array; im: Float32Array } {
  const n2 = N * N;
  const outRe = new Float32Array(B * n2);
  const outIm = new Float32Array(B * n2);
  const lr = new Float64Array(N), li = new Float64Array(N);
  const Cr = new Float64Array(n2), Ci = new Float64Array(n2);
  const Tr = new Float64Array(n2), Ti = new Float64Array(n2);
  const eps2 = eps * eps;
  for (let b = 0; b < B; b++) {
    const vo = b * 2 * n2;
    const Vr = (i: number, j: number) => vecs[vo + 2 * (i * N + j)];
    const Vi = (i: number, j: number) => vecs[vo + 2 * (i * N + j) + 1];
    for (let k = 0; k < N; k++) {
      lr[k] = Math.cos(phases[b * N + k]);
      li[k] = Math.sin(phases[b * N + k]);
    }
    // G = V† V̄, then C̄_ij = conj(F_ij) G_ij off the diagonal, C̄_ii = i θ̄_i λ_i
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        if (i === j) {
          const t = dTheta[b * N + i];
          Cr[i * N + i] = -t * li[i];
          Ci[i * N + i] = t * lr[i];
          continue;
        }
        let gr = 0, gi = 0;
        for (let k = 0; k < N; k++) {
          // conj(V_ki) V̄_kj
          const ar = Vr(k, i), ai = -Vi(k, i);
          const br = dVre[b * n2 + k * N + j], bi = dVim[b * n2 + k * N + j];
          gr += ar * br - ai * bi;
          gi += ar * bi + ai * br;
        }
        const dr = lr[j] - lr[i], di = li[j] - li[i];
        const den = dr * dr + di * di + eps2;
        const fr = dr / den, fi = di / den; // conj(F_ij), broadened
        Cr[i * N + j] = fr * gr - fi * gi;
        Ci[i * N + j] = fr * gi + fi * gr;
      }
    }
    // W̄ = V C̄ V†: T = V C̄, then T V†
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let sr = 0, si = 0;
        for (let k = 0; k < N; k++) {
          const ar = Vr(i, k), ai = Vi(i, k), br = Cr[k * N + j], bi = Ci[k * N + j];
          sr += ar * br - ai * bi;
          si += ar * bi + ai * br;
        }
        Tr[i * N + j] = sr;
        Ti[i * N + j] = si;
      }
    }
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let sr = 0, si = 0;
        for (let k = 0; k < N; k++) {
          const ar = Tr[i * N + k], ai = Ti[i * N + k], br = Vr(j, k), bi = -Vi(j, k);
          sr += ar * br - ai * bi;
          si += ar * bi + ai * br;
        }
        outRe[b * n2 + i * N + j] = sr;
        outIm[b * n2 + i * N + j] = si;
      }
    }
  }
  return { re: outRe, im: outIm };
}

/** Smallest |λ_i − λ_j| per sample from the phases. */
export function minEigenGap(phases: Float64Array, B: number, N: number): Float64Array {
  const out = new Float64Array(B).fill(Infinity);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        const g = 2 * Math.abs(Math.sin(0.5 * (phases[b * N + i] - phases[b * N + j])));
        if (g < out[b]) out[b] = g;
      }
    }
  }
  return out;
}

/**
 * Eigen-decomposition of a batch of unitary matrices, differentiable with respect to W (see the
 * header for the gradient and its behaviour at degenerate eigenvalues).
 */
export function eigUnitaryTf(W: CMat, opts: { epsilon?: number } = {}): EigResult {
  const [B, N, N2] = W.re.shape;
  if (N !== N2 || W.im.shape[1] !== N || W.im.shape[2] !== N || W.im.shape[0] !== B) {
    throw new Error(`eigUnitaryTf: expected [B, N, N] real and imaginary parts, got [${W.re.shape}] and [${W.im.shape}]`);
  }
  const eps = opts.epsilon ?? DEFAULT_EIG_EPSILON;
  const n2 = N * N;
  const { phases, vecs } = eigBatch64(W.re.dataSync(), W.im.dataSync(), B, N);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    // one packed output [B, N + 2N²]: θ, Re V, Im V
    const packed = new Float32Array(B * (N + 2 * n2));
    const w = N + 2 * n2;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < N; k++) packed[b * w + k] = phases[b * N + k];
      for (let k = 0; k < n2; k++) {
        packed[b * w + N + k] = vecs[b * 2 * n2 + 2 * k];
        packed[b * w + N + n2 + k] = vecs[b * 2 * n2 + 2 * k + 1];
      }
    }
    return {
      value: tf.tensor2d(packed, [B, w]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const dT = new Float64Array(B * N), dVr = new Float64Array(B * n2), dVi = new Float64Array(B * n2);
        for (let b = 0; b < B; b++) {
          for (let k = 0; k < N; k++) dT[b * N + k] = g[b * w + k];
          for (let k = 0; k < n2; k++) {
            dVr[b * n2 + k] = g[b * w + N + k];
            dVi[b * n2 + k] = g[b * w + N + n2 + k];
          }
        }
        const r = eigBackward(phases, vecs, dT, dVr, dVi, B, N, eps);
        return [tf.tensor3d(r.re, [B, N, N]), tf.tensor3d(r.im, [B, N, N])];
      },
    };
  });
  const packed = op(W.re, W.im) as tf.Tensor2D;
  const theta = tf.slice(packed, [0, 0], [B, N]) as tf.Tensor2D;
  const re = tf.reshape(tf.slice(packed, [0, N], [B, n2]), [B, N, N]) as tf.Tensor3D;
  const im = tf.reshape(tf.slice(packed, [0, N + n2], [B, n2]), [B, N, N]) as tf.Tensor3D;
  return { theta, V: { re, im }, minGap: minEigenGap(phases, B, N) };
}
