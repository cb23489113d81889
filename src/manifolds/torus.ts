/**
 * The flat torus Tⁿ = ℝⁿ / 2πℤⁿ with the Euclidean metric, points stored as angles in [−π, π).
 * exp wraps, log takes the shortest wrapped difference (ties at exactly π are measure zero).
 */
import { tf } from '../backend/index.ts';
import type { Manifold } from './types.ts';
import { uniformAngles } from './random.ts';

const TWO_PI = 2 * Math.PI;

/** Wrap angles to [−π, π). floor has zero gradient, so d wrap(a)/da = 1 everywhere but the cut. */
export function wrapAngle<T extends tf.Tensor>(a: T): T {
  return tf.sub(a, tf.mul(TWO_PI, tf.floor(tf.div(tf.add(a, Math.PI), TWO_PI)))) as T;
}

export class FlatTorus implements Manifold {
  readonly ambientDim: number;
  readonly logVolume: number;
  constructor(readonly dim: number, readonly name = `torus${dim}`) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`torus dimension must be a positive integer, got ${dim}`);
    this.ambientDim = dim;
    this.logVolume = dim * Math.log(TWO_PI);
  }
  exp(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => wrapAngle(tf.add(x, v)));
  }
  log(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => wrapAngle(tf.sub(y, x)));
  }
  dist(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sqrt(tf.sum(tf.square(this.log(x, y)), 1)) as tf.Tensor1D);
  }
  projTangent(_x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
    return tf.clone(v);
  }
  tangentBasis(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => tf.tile(tf.expandDims(tf.eye(this.dim), 0), [x.shape[0], 1, 1]) as tf.Tensor3D);
  }
  sampleUniform(n: number, rng: () => number): tf.Tensor2D {
    return tf.tensor2d(uniformAngles(n, this.dim, rng), [n, this.dim]);
  }
}

export const circle: Manifold = new FlatTorus(1, 'circle');
export function torus(n: number): FlatTorus {
  return new FlatTorus(n);
}
