/**
 * Numerics backend selection (docs/design.md, "Numerics backend").
 *
 * Order of preference: tfjs-node-gpu → tfjs-node → wasm → cpu, or the single backend named by
 * GAUGEFLOW_BACKEND (gpu|node|wasm|cpu, or tensorflow|wasm|cpu as tfjs calls them). The native
 * packages are optional dependencies whose install usually fails without network access to
 * libtensorflow, so importing them is attempted and a failure simply moves on to the next choice.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { installGradientFixes } from './grads.ts';

export { tf };

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

interface Candidate {
  name: BackendName;
  /** tfjs' registry name for the backend */
  tfName: string;
  load: () => Promise<boolean>;
}

const require = createRequire(import.meta.url);

function tryRequire(pkg: string): boolean {
  try {
    require(pkg);
    return true;
  } catch {
    return false;
  }
}

const candidates: Candidate[] = [
  { name: 'tensorflow-gpu', tfName: 'tensorflow', load: async () => tryRequire('@tensorflow/tfjs-node-gpu') },
  { name: 'tensorflow', tfName: 'tensorflow', load: async () => tryRequire('@tensorflow/tfjs-node') },
  {
    name: 'wasm',
    tfName: 'wasm',
    load: async () => {
      try {
        await import('@tensorflow/tfjs-backend-wasm');
        return true;
      } catch {
        return false;
      }
    },
  },
  { name: 'cpu', tfName: 'cpu', load: async () => true },
];

const aliases: Record<string, BackendName> = {
  gpu: 'tensorflow-gpu',
  'tensorflow-gpu': 'tensorflow-gpu',
  'node-gpu': 'tensorflow-gpu',
  node: 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

let active: BackendName | null = null;
let pending: Promise<BackendName> | null = null;

/**
 * Initialise the tfjs backend once per process and return its name. `preferred` (or the
 * GAUGEFLOW_BACKEND variable) pins one backend; pinning one that cannot load is an error rather
 * than a silent fallback, so that benchmark figures always say what they measured.
 */
export function initBackend(preferred?: string): Promise<BackendName> {
  if (pending) return pending;
  installGradientFixes(); // correct higher-order gradients on every backend (see grads.ts)
  pending = (async () => {
    const wish = preferred ?? process.env.GAUGEFLOW_BACKEND;
    let order = candidates;
    if (wish) {
      const name = aliases[wish.toLowerCase()];
      if (!name) {
        throw new Error(`GAUGEFLOW_BACKEND=${wish} is not one of ${Object.keys(aliases).join(', ')}`);
      }
      order = candidates.filter((c) => c.name === name);
    }
    for (const c of order) {
      if (!(await c.load())) continue;
      try {
        if (await tf.setBackend(c.tfName)) {
          await tf.ready();
          active = c.name;
          return c.name;
        }
      } catch {
        // fall through to the next candidate
      }
    }
    pending = null;
    throw new Error(`no usable TensorFlow.js backend (asked for ${wish ?? 'any'})`);
  })();
  return pending;
}

/** The backend chosen by initBackend, or null before initialisation. */
export function activeBackend(): BackendName | null {
  return active;
}
