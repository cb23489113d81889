import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { loadFlow } from '../../../src/flows/io.ts';
import { IRCPMFlow } from '../../../src/flows/ircpm/stack.ts';
import { targetByName } from '../../../src/targets/index.ts';
import { evaluate } from '../../../src/train/evaluate.ts';
import { countParams } from '../../../src/flows/potentials.ts';

// The trained S² IRCPMs behind the figure (bench/models; ESS 0.9965 and, trained from scratch by
// reverse KL only, 0.9958 on 100 000 samples). Any change to the potentials, the solver or the
// log-determinants that alters the density shows up here.
const models = ['rezende-4mode-ircpm3.model.json', 'rezende-4mode-ircpm3-scratch.model.json'].map((f) => join(import.meta.dirname, '..', '..', '..', 'bench', 'models', f));

test.before(async () => {
  await initBackend();
});

for (const model of models) test(`the committed S² IRCPM ${model.split('/').pop()} (stack of 3, shared [128,128]) still has importance ESS > 0.993 on rezende-4mode`, async () => {
  const flow = await loadFlow(model);
  assert.ok(flow instanceof IRCPMFlow);
  assert.is((flow as IRCPMFlow).nLayers, 3);
  assert.is((flow as IRCPMFlow).potentials.length, 1);
  assert.is(countParams(flow.variables), 17152);
  const T = targetByName('rezende-4mode');
  // 5000 samples: the ESS estimate scatters by ≈ 5e-4 around the 0.9965 measured on 100 000
  const ev = evaluate(flow, T.logp, 5000, seedrandom('s2-model'), { exactLogZ: T.logZ });
  assert.is(ev.okFraction, 1);
  assert.ok(ev.ess > 0.993, `ESS ${ev.ess}`);
  assert.ok(ev.klExact! < 0.004 && ev.klExact! > 0, `KL ${ev.klExact}`);
  // log Z from the same importance weights against the exact value
  assert.ok(Math.abs(ev.logZ - T.logZ!) < 3e-3, `log Z ${ev.logZ} vs ${T.logZ}`);
  tf.dispose(flow.variables);
});

test.run();
