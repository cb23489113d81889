/**
 * Tensor memory for hand-written kernels (plain loops over float32 data, wrapped in tf.customGrad by
 * their callers) without copies.
 *
 * `tensor.dataSync()` on wasm copies the data out of the module's heap into a fresh array, and
 * `tf.tensor(array)` allocates heap memory and copies it back in: two copies plus a fresh JS
 * allocation per kernel call, whose page faults two worker threads also contend for. Here the output
 * is allocated on the heap first and the kernel body writes into it, reading its inputs through
 * views of the heap (docs/design.md, "The conditioner"). On the cpu backend (and any other) the
 * same body runs on dataSync() arrays and a fresh output array.
 *
 * The views are valid only while the heap does not grow, so `body` must be plain JS: no tf calls
 * and no tensor allocation inside it, and no view kept after it returns.
 */
import { tf } from './tf.ts';

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function heapBackend(): HeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : null;
}

/**
 * A float32 tensor of shape `shape` whose entries `body(out, inputs)` writes; `out` starts zeroed and
 * `inputs` are the inputs' values (read-only). Every input must be float32.
 */
export function jsKernel(shape: number[], inputs: tf.Tensor[], body: (out: Float32Array, inputs: Float32Array[]) => void): tf.Tensor {
  for (const x of inputs) if (x.dtype !== 'float32') throw new Error(`jsKernel: inputs must be float32, got ${x.dtype}`);
  const heap = heapBackend();
  if (!heap) {
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    body(out, inputs.map((x) => x.dataSync() as Float32Array));
    return tf.tensor(out, shape, 'float32');
  }
  const info = heap.makeOutput(shape, 'float32');
  const t = tf.engine().makeTensorFromTensorInfo(info);
  // the output first: no heap allocation may follow the views
  const out = heap.typedArrayFromHeap(info);
  out.fill(0);
  body(out, inputs.map((x) => heap.typedArrayFromHeap(x)));
  return t;
}
