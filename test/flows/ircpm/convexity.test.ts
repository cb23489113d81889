/**
 * The IRCPM convexity penalty (src/flows/ircpm/convexity.ts): zero for a near-identity layer,
 * positive where J_g = I + G⁻¹∇²ψ is not positive definite, and a few gradient steps on it alone make
 * the layer a global diffeomorphism (bound diagnostics: min eigenvalue of the Hessian > −1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeRng } from '../../../lattices/random.ts';
import { maximalTorus } from '../../../src/manifolds/maximal-torus.ts';
import { makeIRCPM } from '../../../src/flows/ircpm/stack.ts';
import { powerSumFeatures } from '../../../src/flows/potentials.ts';
import { boundDiagnostics } from '../../../src/flows/ircpm/diagnostics.ts';
import { convexityPenalty, withConvexityPenalty } from '../../../src/flows/ircpm/convexity.ts';
import { trainWithLoss } from '../../../src/train/train.ts';

test.before(async () => {
  await initBackend();
});

test('convexity penalty: 0 near the identity, > 0 for a folded map, and training on it restores I + G⁻¹∇²ψ ≻ 0 (SU(2), SU(3) maximal tori)', () => {
  for (const N of [2, 3]) {
    const flow = makeIRCPM(maximalTorus(N), makeRng('convexity', N), { hidden: [16, 16], features: powerSumFeatures(N, 2) });
    const p0 = tf.tidy(() => convexityPenalty(flow.layers, makeRng('cp', N)).dataSync()[0]);
    assert.is(p0, 0, 'near-identity layer');
    const w = flow.potentials[0].variables.at(-1)!;
    w.assign(tf.mul(w, 400));
    const before = boundDiagnostics(flow, 4000, makeRng('cd', N))[0];
    assert.ok(!before.cConcave, `the scaled layer folds (min eig ${before.minHessEig})`);
    const p1 = tf.tidy(() => convexityPenalty(flow.layers, makeRng('cp', N)).dataSync()[0]);
    assert.ok(p1 > 0.01, `penalty ${p1}`);
    // the penalty alone (a zero base loss) as a BatchLoss
    const zero = () => ({ loss: tf.mul(0, tf.sum(flow.variables[0])) as tf.Scalar, okFraction: 1 });
    trainWithLoss(flow, { steps: 60, lr: 2e-2, lrFinal: 1, rng: makeRng('ct', N) }, 'convexity', withConvexityPenalty(zero, flow.layers, { weight: 1, points: 512 }));
    const after = boundDiagnostics(flow, 4000, makeRng('cd2', N))[0];
    assert.ok(after.cConcave, `after training on the penalty: min eig ${after.minHessEig} (before ${before.minHessEig})`);
  }
});

test.run();
