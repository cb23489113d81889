/** The flow contract shared by IRCPM stacks, the CNF and every TransformedFlow (transformed.ts): a distribution on a manifold. */
import type { tf } from '../backend/index.ts';
import type { Manifold } from '../manifolds/types.ts';

export interface Flow {
  readonly manifold: Manifold;
  /** Base → target. Differentiable w.r.t. trainable variables (for reverse KL). `ok` flags samples whose
   *  inner solve converged / whose map is certified injective; logq of a non-ok sample must not be used. */
  sample(n: number, rng: () => number): { x: tf.Tensor2D; logq: tf.Tensor1D; ok: tf.Tensor1D };
  /** Exact log-density of the proposal at x (w.r.t. the manifold's volume measure). */
  logProb(x: tf.Tensor2D): tf.Tensor1D;
  readonly variables: tf.Variable[];
  toJSON(): object; // model file payload; fromJSON per flow type in src/flows/io.ts
}
