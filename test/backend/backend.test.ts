import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, activeBackend, tf } from '../../src/backend/index.ts';

test('a backend initialises, is reported, and computes', async () => {
  const name = await initBackend();
  assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(name));
  assert.is(activeBackend(), name);
  // Re-initialising is idempotent: the same promise, the same backend.
  assert.is(await initBackend(), name);
  const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[0, 1], [1, 0]])).arraySync());
  assert.equal(y, [[2, 1], [4, 3]]);
});

test('without native packages installed, the embedded default is wasm (or cpu when pinned)', async () => {
  // In this repository tfjs-node is an optional dependency that normally fails to install; when it is
  // absent the selector must have fallen through to wasm unless GAUGEFLOW_BACKEND pinned another one.
  const pinned = process.env.GAUGEFLOW_BACKEND;
  let nativePresent = true;
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch {
    nativePresent = false;
  }
  if (!pinned && !nativePresent) assert.is(activeBackend(), 'wasm');
});

test.run();
