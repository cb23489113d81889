/** End to end: the README's main command, in its quick form, through the real binary. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/gaugeflow.mjs', import.meta.url));

test('demo --quick --json: every stage agrees with its exact value', () => {
  const r = spawnSync(process.execPath, [bin, 'demo', '--quick', '--json', '--seed', '2'], { encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(o.backend));
  assert.ok(Math.abs(o.exact.plaquette - 0.697775) < 1e-6);
  for (const s of ['hmc', 'heatbath']) {
    const b = o.baselines[s];
    assert.ok(Math.abs(b.plaquette.sigma) < 4, `${s} plaquette ${JSON.stringify(b.plaquette)}`);
    assert.ok(Math.abs(b.Q2.sigma) < 4, `${s} Q2 ${JSON.stringify(b.Q2)}`);
  }
  // Even a briefly trained flow must give an exact chain; training shows in the acceptance.
  assert.ok(Math.abs(o.flow.sigma) < 4, `flow chain ${o.flow.mean} ± ${o.flow.err} vs ${o.flow.exact}`);
  assert.ok(o.flow.acceptance > 0.5, `acceptance ${o.flow.acceptance}`);
  assert.is(o.flow.failedDraws, 0);
});

test('demo rejects unknown flags with exit code 2', () => {
  const r = spawnSync(process.execPath, [bin, 'demo', '--bogus'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown flag --bogus/);
});

test.run();
