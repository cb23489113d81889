/**
 * The committed 2D U(1) flow (bench/models/u1-L8-b2-energy.model.json: `gaugeflow train --L 8 --beta 2
 * --minutes 15` with the defaults; ESS 0.36, acceptance 0.46 on 20 000 draws) still loads and
 * proposes as well: a regression test of the layers, the kernels, the model reader and log q.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../../src/backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { loadGaugeModel } from '../../../src/flows/gauge/model-file.ts';
import { gaugeProposal } from '../../../src/flows/gauge/proposal.ts';
import { evaluateGaugeProposal } from '../../../src/flows/gauge/evaluate.ts';

const model = fileURLToPath(new URL('../../../bench/models/u1-L8-b2-energy.model.json', import.meta.url));

test.before(async () => {
  await initBackend();
});

test('committed U(1) 8×8 β = 2 flow: ESS, acceptance and log Z on 3000 fresh draws', () => {
  const { file, flow } = loadGaugeModel(model);
  assert.equal(file.trained, { L: 8, beta: 2 });
  assert.is(file.kernel, 'energy');
  const ev = evaluateGaugeProposal(gaugeProposal(flow, makeLattice([8, 8])), 2, 3000, 'regression');
  assert.is(ev.failedDraws, 0);
  assert.ok(ev.ess > 0.25, `ESS ${ev.ess}`);
  assert.ok(ev.acceptance > 0.38, `acceptance ${ev.acceptance}`);
  assert.ok(ev.kl < 0.7, `KL ${ev.kl}`);
  assert.ok(Math.abs(ev.logZ - ev.logZExact!) < 4 * ev.logZErr, `log Z ${ev.logZ} ± ${ev.logZErr} vs ${ev.logZExact}`);
  flow.dispose();
});

test.run();
