/**
 * The unit sphere Sⁿ ⊂ ℝⁿ⁺¹ with the round metric. Small-angle branches use Taylor series so that the
 * maps and their gradients stay finite in float32 at v = 0 and y = x.
 */
import { tf } from '../backend/index.ts';
import type { Manifold } from './types.ts';
import { gaussian } from './random.ts';

const SMALL2 = 1e-4; // squared norm below which the series branches are used (error < 1e-12 relative)

function rowDot(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(a, b), 1, true);
}

/** log Γ for the half-integer arguments needed by the sphere volume. */
function logGammaHalf(k2: number): number {
  // Γ(k2/2) for integer k2 ≥ 1
  if (k2 === 1) return 0.5 * Math.log(Math.PI);
  if (k2 === 2) return 0;
  return Math.log(k2 / 2 - 1) + logGammaHalf(k2 - 2);
}

export class Sphere implements Manifold {
  readonly kind = 'sphere' as const;
  readonly metric = null;
  readonly ambientDim: number;
  readonly logVolume: number;
  readonly name: string;
  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`sphere dimension must be a positive integer, got ${dim}`);
    this.ambientDim = dim + 1;
    this.name = `sphere${dim}`;
    // |Sⁿ| = 2 π^{(n+1)/2} / Γ((n+1)/2)
    this.logVolume = Math.log(2) + ((dim + 1) / 2) * Math.log(Math.PI) - logGammaHalf(dim + 1);
  }
  exp(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const n2 = tf.sum(tf.square(v), 1, true);
      const small = tf.less(n2, SMALL2);
      const nSafe = tf.sqrt(tf.where(small, tf.onesLike(n2), n2));
      const cosN = tf.where(small, tf.add(1, tf.mul(n2, tf.add(-0.5, tf.mul(n2, 1 / 24)))), tf.cos(nSafe));
      const sinc = tf.where(small, tf.add(1, tf.mul(n2, tf.add(-1 / 6, tf.mul(n2, 1 / 120)))), tf.div(tf.sin(nSafe), nSafe));
      const y = tf.add(tf.mul(cosN, x), tf.mul(sinc, v));
      // renormalise: keeps points on the sphere to float32 precision through long stacks/iterations
      return tf.div(y, tf.sqrt(rowDot(y as tf.Tensor2D, y as tf.Tensor2D))) as tf.Tensor2D;
    });
  }
  log(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const c = rowDot(x, y);
      const u = tf.sub(y, tf.mul(c, x));
      const s2 = tf.sum(tf.square(u), 1, true);
      const small = tf.logicalAnd(tf.less(s2, SMALL2), tf.greater(c, 0));
      const sSafe = tf.sqrt(tf.where(small, tf.onesLike(s2), s2));
      // θ/s with θ = atan2(s, c); for small s (and c > 0) θ = asin s, asin(s)/s = 1 + s²/6 + 3s⁴/40
      const ratio = tf.where(small, tf.add(1, tf.mul(s2, tf.add(1 / 6, tf.mul(s2, 3 / 40)))), tf.div(tf.atan2(sSafe, c), sSafe));
      return tf.mul(ratio, u) as tf.Tensor2D;
    });
  }
  dist(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const c = rowDot(x, y);
      const u = tf.sub(y, tf.mul(c, x));
      const s = tf.sqrt(tf.add(tf.sum(tf.square(u), 1, true), 1e-30));
      return tf.reshape(tf.atan2(s, c), [-1]) as tf.Tensor1D;
    });
  }
  projTangent(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sub(v, tf.mul(rowDot(x, v), x)));
  }
  /**
   * Rows of the Householder reflection H = I − 2wwᵀ/|w|², w = x + σ e_last (σ = sign x_last), that
   * maps e_last to −σx: the other columns H e_j = e_j − 2 w x_j/|w|² are orthonormal and ⊥ x, and
   * |w|² ≥ 2 keeps them well conditioned everywhere. The first row is multiplied by σ so that
   * (E, x) is always positively oriented. The frame is not smooth across x_last = 0, but the flows
   * only use it through frame-independent quantities (determinants between oriented frames).
   */
  tangentBasis(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const B = x.shape[0];
      const m = this.ambientDim;
      const n = this.dim;
      const xl = tf.slice(x, [0, n], [B, 1]);
      const sigma = tf.where(tf.greaterEqual(xl, 0), tf.onesLike(xl), tf.neg(tf.onesLike(xl)));
      const eLast = tf.oneHot(tf.fill([B], n, 'int32'), m).toFloat();
      const w = tf.add(x, tf.mul(sigma, eLast)); // [B, m]
      const w2 = tf.sum(tf.square(w), 1, true); // [B, 1]
      const xj = tf.slice(x, [0, 0], [B, n]); // [B, n]
      const coef = tf.div(tf.mul(-2, xj), w2); // [B, n]
      const eye = tf.slice(tf.eye(m), [0, 0], [n, m]); // [n, m]
      const E = tf.add(tf.expandDims(eye, 0), tf.mul(tf.expandDims(coef, 2), tf.expandDims(w, 1)));
      // det[H e_0, …, H e_{n−1}, x] = σ (H is a reflection and x = −σ H e_last): flipping the first row
      // by σ orients every frame positively, so signs of determinants between frames are meaningful.
      const flip = tf.concat([tf.reshape(sigma, [B, 1, 1]), tf.ones([B, n - 1, 1])], 1);
      return tf.mul(E, flip) as tf.Tensor3D;
    });
  }
  sampleUniform(n: number, rng: () => number): tf.Tensor2D {
    const m = this.ambientDim;
    const out = new Float32Array(n * m);
    const g = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let k = 0; k < m; k++) {
        g[k] = gaussian(rng);
        r2 += g[k] * g[k];
      }
      const r = Math.sqrt(r2);
      for (let k = 0; k < m; k++) out[i * m + k] = g[k] / r;
    }
    return tf.tensor2d(out, [n, m]);
  }
}

export function sphere(n: number): Sphere {
  return new Sphere(n);
}
