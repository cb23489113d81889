/**
 * Gradient fixes for tfjs 4.22 higher-order autodiff.
 *
 * tfjs records the gradient computation of an op on the outer tape when gradients are nested, but the
 * stock gradients of Exp, Tanh, Sigmoid, Softmax, LogSoftmax, Elu and Pow are written in terms of the
 * op's *saved output*. The saved output is not connected to the input on the outer tape, so the second
 * derivative silently misses the path through it (e.g. d²/dx² exp(x) comes out as 0·… + exp(x)·0).
 * Softplus' gradient is sigmoid(x), so it fails one order later, at the third derivative.
 * Re-registering those gradients so that they recompute from the *inputs* makes every order exact.
 *
 * Comparison and logical ops (Greater, Less, Equal, LogicalAnd, …) have no gradient at all, so any
 * nested gradient through `where`, `maximum`, `clipByValue` or `logSumExp` throws. Their true
 * derivative is zero almost everywhere, which is what we register.
 *
 * `installGradientFixes()` is idempotent and is called by `initBackend`, so the fixes are in place
 * whenever tfjs is used through this package.
 */
import { tf } from './tf.ts';

type Saved = tf.Tensor[];
type Attrs = Record<string, unknown> | undefined;

function reduceTo(res: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  const r = axes.length > 0 ? tf.sum(res, axes) : res;
  return tf.reshape(r, shape);
}

const fromInputGradients: tf.GradConfig[] = [
  {
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [x] = saved;
      return { x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) };
    },
  },
  {
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [x] = saved;
      return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x)))) };
    },
  },
  {
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [x] = saved;
      return {
        x: () => {
          const s = tf.sigmoid(x);
          return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
        },
      };
    },
  },
  {
    kernelName: 'Softplus',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [x] = saved;
      return { x: () => tf.mul(dy as tf.Tensor, tf.sigmoid(x)) };
    },
  },
  {
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: Attrs) => {
      const [logits] = saved;
      const dim = (attrs as { dim: number }).dim;
      return {
        logits: () => {
          const y = tf.softmax(logits, dim);
          const dyy = tf.mul(dy as tf.Tensor, y);
          return tf.sub(dyy, tf.mul(tf.sum(dyy, [dim], true), y));
        },
      };
    },
  },
  {
    kernelName: 'LogSoftmax',
    inputsToSave: ['logits'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: Attrs) => {
      const [logits] = saved;
      const axis = (attrs as { axis: number }).axis;
      return {
        logits: () => {
          const y = tf.softmax(logits, axis);
          return tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), y));
        },
      };
    },
  },
  {
    kernelName: 'Elu',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [x] = saved;
      return { x: () => tf.where(tf.greater(x, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, tf.exp(x))) };
    },
  },
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [a, b] = saved;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => {
          const bf = tf.cast(b, 'float32');
          return reduceTo(tf.mul(dy as tf.Tensor, tf.mul(bf, tf.pow(a, tf.sub(bf, 1)))), a.shape, outShape);
        },
        b: () => {
          const logA = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
          return reduceTo(tf.mul(dy as tf.Tensor, tf.mul(tf.pow(a, b), logA)), b.shape, outShape);
        },
      };
    },
  },
];

const binaryComparisons = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'];
const unaryPredicates = ['LogicalNot', 'IsNan', 'IsInf', 'IsFinite'];

function zeroGradients(): tf.GradConfig[] {
  const binary = binaryComparisons.map<tf.GradConfig>((kernelName) => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [a, b] = saved;
      return { a: () => tf.zerosLike(a).toFloat(), b: () => tf.zerosLike(b).toFloat() };
    },
  }));
  const unary = unaryPredicates.map<tf.GradConfig>((kernelName) => ({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: Saved) => {
      const [x] = saved;
      return { x: () => tf.zerosLike(x).toFloat() };
    },
  }));
  return [...binary, ...unary];
}

/** aᵀ over the last two axes, as an explicit copy. */
function swapLast(a: tf.Tensor): tf.Tensor {
  const perm = a.shape.map((_, i) => i);
  [perm[a.rank - 2], perm[a.rank - 1]] = [perm[a.rank - 1], perm[a.rank - 2]];
  return tf.transpose(a, perm);
}

/**
 * The matMul gradient with explicit transposes. The stock one calls matMul with transpose flags,
 * which the wasm backend runs about 8× slower than a transpose copy plus a plain matMul (measured:
 * [2560,128]ᵀ·[2560,128] 25.7 ms flagged, 3.4 ms explicit); it dominated the backward pass of every
 * flow. C = op(A) op(B) ⇒ d op(A) = dC op(B)ᵀ, d op(B) = op(A)ᵀ dC, transposed back where op is ᵀ.
 */
const matMulGradient: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: Attrs) => {
    const [a, b] = saved;
    const g = dy as tf.Tensor;
    const tA = !!attrs?.transposeA;
    const tB = !!attrs?.transposeB;
    // op(B)ᵀ is b itself when op is ᵀ, and likewise op(A)ᵀ
    const dOpA = () => tf.matMul(g, tB ? b : swapLast(b));
    const dOpB = () => tf.matMul(tA ? a : swapLast(a), g);
    return {
      a: () => (tA ? swapLast(dOpA()) : dOpA()),
      b: () => (tB ? swapLast(dOpB()) : dOpB()),
    };
  },
};

/**
 * The Concat gradient as slices of a rank-3 view [outer, Σ sizes, inner]. The stock one is one
 * SplitV on dy at dy's own rank; the wasm backend runs SplitV (and Slice) on rank-5/6 tensors
 * through a generic per-element path ≈ 80× slower than on the rank-3 view (measured: splitting
 * [2,4,4,4,4,1944] in three along the channels 601 ms, the rank-3 view 7 ms). The 4D circular
 * convolutions (src/flows/gauge/conv.ts) concatenate along channels at rank 6, so their backward
 * pass was almost all SplitV.
 */
const concatGradient: tf.GradConfig = {
  kernelName: 'Concat',
  saveAllInputs: true,
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: Attrs) => {
    const g = dy as tf.Tensor;
    const rank = g.rank;
    const raw = Number(attrs?.axis ?? 0);
    const axis = raw < 0 ? raw + rank : raw;
    const outer = g.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = g.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const total = g.shape[axis]!;
    const grads: Record<string, () => tf.Tensor> = {};
    let begin = 0;
    saved.forEach((x, i) => {
      const size = x.shape[axis]!;
      const at = begin;
      // a trailing unit axis would cost another ≈ 10× in the wasm slice kernel: rank 2 when inner = 1
      grads[i] = () =>
        inner === 1
          ? tf.reshape(tf.slice(tf.reshape(g, [outer, total]), [0, at], [outer, size]), x.shape)
          : tf.reshape(tf.slice(tf.reshape(g, [outer, total, inner]), [0, at, 0], [outer, size, inner]), x.shape);
      begin += size;
    });
    return grads;
  },
};

/**
 * Unpack (tf.unstack) along an axis of size 1 has one output, and the tape then hands its gradient
 * function a single tensor where the stock gradient expects an array, so `stack` throws. It hit a
 * CNF on the SU(2) maximal torus (one free phase: every jet stream unstacks a length-1 axis).
 */
const unpackGradient: tf.GradConfig = {
  kernelName: 'Unpack',
  gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: Saved, attrs: Attrs) => {
    const axis = Number(attrs?.axis ?? 0);
    const dys = Array.isArray(dy) ? dy : [dy];
    return { value: () => tf.stack(dys, axis) };
  },
};

/**
 * The Conv2D gradient for stride 1, dilation 1, NHWC, 'valid' padding on native convolutions; other
 * configurations keep the stock gradient. The wasm backend has no Conv2DBackpropFilter, and its
 * Conv2DBackpropInput is a slow reference loop (4.6 ms against 0.57 ms for the same product as a
 * native conv at [32,8,8,16] → [32,10,10,16], 3×3): dx is the full convolution of dy with the
 * filter flipped in space and its channels exchanged (one conv with explicit padding k − 1), and
 * dW[i,j,c,o] = Σ_{b,y,x} x[b,y+i,x+j,c] dy[b,y,x,o] is a valid convolution with batch and channels
 * exchanged (x as [C, H, W, B], dy as the filter [h, w, B, O]). Registered (not a custom gradient)
 * so that the tape evaluates only what it needs: a gradient with respect to the input alone (the
 * path estimator's ∇_x log q) skips every filter gradient.
 */
function conv2DGradient(stock: tf.GradConfig | undefined): tf.GradConfig {
  return {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: Attrs) => {
      const one = (v: unknown) => v === undefined || v === 1 || (Array.isArray(v) && v.every((e) => e === 1));
      const plain = attrs?.pad === 'valid' && one(attrs?.strides) && one(attrs?.dilations) && (attrs?.dataFormat ?? 'NHWC') === 'NHWC';
      if (!plain) {
        if (!stock) throw new Error('Conv2D gradient: only stride 1, dilation 1, NHWC, valid padding is supported here');
        return stock.gradFunc(dy, saved, attrs as never);
      }
      const [x, w] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      const [kh, kw] = w.shape;
      return {
        x: () => {
          const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
          return tf.conv2d(g, flipped, 1, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]);
        },
        filter: () => tf.transpose(tf.conv2d(tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'), [1, 2, 0, 3]),
      };
    },
  };
}

let installed = false;

/** Re-register the gradients listed above (idempotent). */
export function installGradientFixes(): void {
  if (installed) return;
  const conv = conv2DGradient(tf.getGradient('Conv2D'));
  for (const g of [...fromInputGradients, ...zeroGradients(), matMulGradient, concatGradient, unpackGradient, conv]) tf.registerGradient(g);
  installed = true;
}

/** The kernels whose gradients this module replaces (for tests and diagnostics). */
export const fixedKernels = [...fromInputGradients.map((g) => g.kernelName), ...binaryComparisons, ...unaryPredicates, 'BatchMatMul', 'Concat', 'Unpack', 'Conv2D'];

/**
 * tf.grad that returns zeros instead of throwing when y does not depend on x (a derivative that is
 * identically zero, e.g. the Hessian of a linear function, makes tfjs throw "Cannot compute gradient").
 */
export function gradOrZeros(f: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  const g = tf.grad(f);
  return (x: tf.Tensor) => {
    try {
      return g(x);
    } catch (e) {
      if (/Cannot compute gradient/.test((e as Error).message)) return tf.zerosLike(x);
      throw e;
    }
  };
}

/**
 * tf.logSoftmax and tf.logSigmoid are built with tf.customGrad, whose gradient is a function of the
 * saved output only and is therefore not differentiable again (a second derivative throws). These
 * drop-in replacements are plain compositions of ops with correct gradients at every order.
 */
export function logSoftmax(logits: tf.Tensor, axis = -1): tf.Tensor {
  return tf.sub(logits, tf.logSumExp(logits, axis, true));
}

export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}
