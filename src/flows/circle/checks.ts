/** Input validation shared by the circle kernels: clear errors instead of silent broadcasting. */
import type { tf } from '../../backend/index.ts';

/**
 * θ must be [n]; the context [n, contextSize]. It may be omitted only when contextSize is 0, and then
 * null is returned.
 */
export function checkKernelInput(name: string, theta: tf.Tensor, context: tf.Tensor | undefined, contextSize: number): tf.Tensor2D | null {
  if (theta.rank !== 1) throw new Error(`${name} circle kernel: angles must be a 1-D tensor [n], got shape [${theta.shape}]`);
  const n = theta.shape[0]!;
  if (context === undefined) {
    if (contextSize === 0) return null;
    throw new Error(`${name} circle kernel: needs a context [n, ${contextSize}]`);
  }
  if (context.rank !== 2 || context.shape[0] !== n || context.shape[1] !== contextSize) {
    throw new Error(`${name} circle kernel: context must have shape [${n}, ${contextSize}], got [${context.shape}]`);
  }
  return context as tf.Tensor2D;
}

export function checkSolverOptions(name: string, tol: number, maxIter: number): void {
  if (!(tol > 0 && tol < 1)) throw new Error(`${name} circle kernel: solver tol must be in (0, 1), got ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new Error(`${name} circle kernel: maxIter must be a non-negative integer, got ${maxIter}`);
}
