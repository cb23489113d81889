/**
 * Flat parameter vectors: a model's variables, in their order, concatenated into one Float32Array.
 * The optimiser, the thread protocol and checkpoints all work on this layout.
 */
import { tf } from '../backend/index.ts';

/** The shape of each variable, in order. */
export function variableShapes(vars: readonly tf.Variable[]): number[][] {
  return vars.map((v) => v.shape.slice());
}

export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The current values of the variables as one flat vector. */
export function readVariables(vars: readonly tf.Variable[]): Float32Array {
  const out = new Float32Array(vars.reduce((s, v) => s + v.size, 0));
  let off = 0;
  for (const v of vars) {
    out.set(v.dataSync() as Float32Array, off);
    off += v.size;
  }
  return out;
}

/** Set the variables from a flat vector (copied: the caller may reuse or share `flat`). */
export function assignVariables(vars: readonly tf.Variable[], flat: Float32Array): void {
  const total = vars.reduce((s, v) => s + v.size, 0);
  if (flat.length !== total) throw new Error(`weights: got ${flat.length} values, the model has ${total} parameters`);
  let off = 0;
  for (const v of vars) {
    const t = tf.tensor(flat.slice(off, off + v.size), v.shape, 'float32');
    v.assign(t);
    t.dispose();
    off += v.size;
  }
}

/** Gradients from tf.variableGrads as one flat vector in variable order (a missing gradient is zero). */
export function flattenGradients(vars: readonly tf.Variable[], grads: tf.NamedTensorMap): Float32Array {
  const out = new Float32Array(vars.reduce((s, v) => s + v.size, 0));
  let off = 0;
  for (const v of vars) {
    const g = grads[v.name];
    if (g) out.set(g.dataSync() as Float32Array, off);
    off += v.size;
  }
  return out;
}

/** Split a flat vector into one array per variable. */
export function splitFlat(flat: Float32Array, shapes: readonly number[][]): Float32Array[] {
  const out: Float32Array[] = [];
  let off = 0;
  for (const n of shapes.map(shapeSize)) {
    out.push(flat.slice(off, off + n));
    off += n;
  }
  return out;
}

/** Concatenate per-variable arrays, checking them against the model's variable shapes (clear error). */
export function joinWeights(weights: readonly Float32Array[], shapes: readonly number[][], what = 'initWeights'): Float32Array {
  const sizes = shapes.map(shapeSize);
  if (!Array.isArray(weights) || weights.length !== sizes.length) {
    throw new Error(`${what}: expected ${sizes.length} arrays (one per variable), got ${Array.isArray(weights) ? weights.length : typeof weights}`);
  }
  const out = new Float32Array(sizes.reduce((s, n) => s + n, 0));
  let off = 0;
  weights.forEach((w, i) => {
    if (!(w instanceof Float32Array)) throw new Error(`${what}[${i}]: expected a Float32Array`);
    if (w.length !== sizes[i]) throw new Error(`${what}[${i}] has ${w.length} values; variable ${i} of the model has shape [${shapes[i]}] (${sizes[i]} values)`);
    out.set(w, off);
    off += w.length;
  });
  return out;
}
