// Issue 9 item 6 (the mechanism under `fit`'s Ctrl-C): the interruptible training loop is the same
// loop as the synchronous one, step for step, and stops after the current step once aborted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { initBackend } from '../../src/backend/index.ts';
import { torus } from '../../src/manifolds/index.ts';
import { makeIRCPM } from '../../src/flows/ircpm/stack.ts';
import { targetByName } from '../../src/targets/index.ts';
import { reverseKLLoss, trainWithLoss, trainWithLossAsync } from '../../src/train/train.ts';
import { readVariables } from '../../src/train/flat.ts';

test.before(async () => {
  await initBackend();
});

const target = targetByName('rezende-unimodal');
const fresh = () => makeIRCPM(torus(2), seedrandom('init'), { hidden: [4] });

test('trainWithLossAsync = trainWithLoss: the same losses and weights', async () => {
  const a = fresh();
  const b = fresh();
  const opts = { steps: 6, batch: 32, lr: 1e-2 };
  const ra = trainWithLoss(a, { ...opts, rng: seedrandom('t') }, 'kl', reverseKLLoss(a, target.logp));
  const rb = await trainWithLossAsync(b, { ...opts, rng: seedrandom('t') }, 'kl', reverseKLLoss(b, target.logp));
  assert.equal(rb.losses, ra.losses);
  assert.equal(Array.from(readVariables(b.variables)), Array.from(readVariables(a.variables)));
  assert.is(rb.interrupted, undefined);
});

test('an abort stops after the current step; the weights reached stay in the flow', async () => {
  const flow = fresh();
  const ac = new AbortController();
  const before = Array.from(readVariables(flow.variables));
  const r = await trainWithLossAsync(
    flow,
    { steps: 1000, batch: 16, lr: 1e-2, rng: seedrandom('t'), signal: ac.signal, onStep: (step) => void (step === 2 && ac.abort()) },
    'kl',
    reverseKLLoss(flow, target.logp),
  );
  assert.is(r.interrupted, true);
  assert.is(r.losses.length, 3);
  assert.not.equal(Array.from(readVariables(flow.variables)), before);
});

test('a non-positive learning rate is refused by the loop itself', () => {
  const flow = fresh();
  for (const lr of [0, -1, NaN]) {
    assert.throws(() => trainWithLoss(flow, { steps: 1, lr }, 'kl', reverseKLLoss(flow, target.logp)), /learning rate must be a positive number/);
  }
});

test.run();
