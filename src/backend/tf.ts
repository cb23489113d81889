/**
 * The one place TensorFlow.js is loaded (src/backend/index.ts re-exports it as `tf`).
 *
 * Why `require` and not `import`: tfjs is a CommonJS package of many files. Imported from a module
 * that runs through tsx's ESM loader hooks (every gaugeflow process and worker thread), each of its
 * internal `require`s makes a round trip through those hooks on Node 20: loading tfjs and starting
 * the wasm backend took ≈ 0.89 s a process here, against ≈ 0.57 s through Node's own `require`,
 * which this module uses. The same tfjs instance either way (one module cache).
 *
 * `tf` is therefore a value typed as the package, and the namespace below carries the package's
 * types that the code writes as `tf.Tensor2D`, `tf.GradConfig`, … (a namespace of types only
 * merges with a value of the same name). Any other tfjs type: import it from '@tensorflow/tfjs'
 * with `import type`, which loads nothing.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

export const tf: typeof TF = require('@tensorflow/tfjs');

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace tf {
  export type Rank = TF.Rank;
  export type Tensor<R extends TF.Rank = TF.Rank> = TF.Tensor<R>;
  export type Scalar = TF.Scalar;
  export type Tensor1D = TF.Tensor1D;
  export type Tensor2D = TF.Tensor2D;
  export type Tensor3D = TF.Tensor3D;
  export type Tensor4D = TF.Tensor4D;
  export type Variable<R extends TF.Rank = TF.Rank> = TF.Variable<R>;
  export type TensorContainer = TF.TensorContainer;
  export type NamedTensorMap = TF.NamedTensorMap;
  export type GradSaveFunc = TF.GradSaveFunc;
  export type GradConfig = TF.GradConfig;
  export type KernelConfig = TF.KernelConfig;
  export type TensorInfo = TF.TensorInfo;
  export type NamedAttrMap = TF.NamedAttrMap;
  export type DataId = TF.DataId;
}

/** Registers the wasm backend with this tfjs; throws when its package cannot load. */
export function loadWasmBackend(): void {
  require('@tensorflow/tfjs-backend-wasm');
}
