import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/gaugeflow.mjs', import.meta.url));
const env = { ...process.env, CI: '1' };
const dir = mkdtempSync(join(tmpdir(), 'gf-showcase-'));
const showcase = (args: string[]) => spawnSync(process.execPath, [bin, 'showcase', ...args], { encoding: 'utf8', env, timeout: 240_000 });
const short = ['--minutes', '0.03', '--seconds', '1', '--workers', '0', '--eval-samples', '200'];

test('showcase (short budgets): trains, samples flow and HMC, compares with exact values, writes the report', () => {
  const run = join(dir, 'sc');
  const r = showcase([...short, '--dir', run]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /Exact \(lattices\/exact\/u1\.ts\): ⟨cos θ_P⟩ = 0\.697775, ⟨Q²⟩ = 1\.23930/);
  assert.match(r.stdout, /⟨cos θ_P⟩\s+0\.69777\s+0\.\d+ ± /); // HMC's estimate beside the exact value
  assert.match(r.stdout, /Report: .*report\.html/);
  assert.equal(readdirSync(run).sort(), ['model.json', 'report.html', 'sample-flow-L8-b2.json', 'sample-hmc-L8-b2.json', 'train-L8-b2.json']);
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  assert.match(html, /Training loss/);
  assert.match(html, /hmc L=8 β=2: autocorrelation of Q/);
  // a second run into the same directory refuses before any work, naming the flag
  const again = showcase([...short, '--dir', run]);
  assert.is(again.status, 2);
  assert.match(again.stderr, /--dir .* exists; pass --force/);
  assert.not.ok(existsSync(join(run, 'model.json.checkpoint.json')));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
