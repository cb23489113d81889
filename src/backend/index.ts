/**
 * Numerics backend selection (docs/design.md, "Numerics backend").
 *
 * Order of preference: tfjs-node-gpu → tfjs-node → wasm → cpu, or the single backend named by
 * GAUGEFLOW_BACKEND (gpu|node|wasm|cpu, or tensorflow|wasm|cpu as tfjs calls them). The native
 * packages are optional dependencies whose install usually fails without network access to
 * libtensorflow, so importing them is attempted and a failure simply moves on to the next choice.
 */
import { tf, loadWasmBackend } from './tf.ts';
import { createRequire } from 'node:module';
import { installGradientFixes } from './grads.ts';
import { installWasmRankFixes } from './wasm-rank.ts';

export { tf };

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

interface Candidate {
  name: BackendName;
  /** tfjs' registry name for the backend */
  tfName: string;
  /** the optional npm package that provides it, if any */
  pkg?: string;
  load: () => Promise<boolean>;
}

const require = createRequire(import.meta.url);

/** Why each optional package failed to load (for the error when that backend was asked for). */
const loadErrors = new Map<string, string>();

function tryRequire(pkg: string): boolean {
  try {
    require(pkg);
    return true;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(pkg);
    loadErrors.set(pkg, missing ? 'not installed' : `failed to load: ${String(err.message).split('\n')[0]}`);
    return false;
  }
}

const candidates: Candidate[] = [
  { name: 'tensorflow-gpu', tfName: 'tensorflow', pkg: '@tensorflow/tfjs-node-gpu', load: async () => tryRequire('@tensorflow/tfjs-node-gpu') },
  { name: 'tensorflow', tfName: 'tensorflow', pkg: '@tensorflow/tfjs-node', load: async () => tryRequire('@tensorflow/tfjs-node') },
  {
    name: 'wasm',
    tfName: 'wasm',
    load: async () => {
      try {
        loadWasmBackend();
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
          // The plain CPU backend prints an "install our node backend" banner on its first tensor;
          // when it was chosen (GAUGEFLOW_BACKEND=cpu or the last fallback) the backend is reported
          // in every result instead. (tfjs-backend-cpu 4.x: the `firstUse` field of MathBackendCPU.)
          if (c.name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
          // wasm's XNNPACK kernels return wrong values above rank 6 (see wasm-rank.ts)
          if (c.name === 'wasm') installWasmRankFixes();
          active = c.name;
          return c.name;
        }
      } catch {
        // fall through to the next candidate
      }
    }
    pending = null;
    const pinned = wish ? order[0] : undefined;
    if (pinned?.pkg) {
      const why = loadErrors.get(pinned.pkg) ?? 'did not start';
      throw new Error(
        `GAUGEFLOW_BACKEND=${wish} needs the optional package ${pinned.pkg}, which is ${why === 'not installed' ? 'not installed' : why}` +
          (why === 'not installed' ? ` (npm install ${pinned.pkg}; or unset GAUGEFLOW_BACKEND to use wasm)` : ''),
      );
    }
    throw new Error(`no usable TensorFlow.js backend (asked for ${wish ?? 'any'})`);
  })();
  return pending;
}

/** The backend chosen by initBackend, or null before initialisation. */
export function activeBackend(): BackendName | null {
  return active;
}
