/**
 * The README's library snippets must run as printed (with smaller step counts): they are extracted,
 * written next to the package (so `import … from 'gaugeflow'` resolves to this checkout) and run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((s) => s.includes("from 'gaugeflow'"));

function runSnippet(name: string, code: string): string {
  const dir = `${root}/.tmp/readme-test`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}-${process.pid}.ts`;
  writeFileSync(file, code);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', cwd: root, timeout: 120_000 });
    assert.is(r.status, 0, `${name} failed:\n${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(file, { force: true });
  }
}

const shrink = (s: string) =>
  s
    .replace(/steps: \d+/g, 'steps: 3')
    .replace(/nSteps: \d+, batchSize: \d+/g, 'nSteps: 200, batchSize: 100')
    .replace(/evaluate\(flow, energy, \d+/g, 'evaluate(flow, energy, 500')
    .replace(/i < 1000/g, 'i < 50')
    .replace(/gaugeProposal\(flow, lattice\), 2, \d+/g, 'gaugeProposal(flow, lattice), 2, 300');

test('README has the five library snippets', () => {
  assert.is(snippets.length, 5);
});

test('flow training and flow-as-proposal snippets run', () => {
  const out = runSnippet('flow', shrink(snippets[0]! + snippets[1]!));
  assert.match(out, /ESS \d\.\d{4}, KL -?\d\.\d{4}/);
  const acc = Number(out.trim().split('\n').pop());
  assert.ok(acc > 0 && acc <= 1, `acceptance ${acc}`);
});

test('gauge-flow snippet trains a U(1) flow and measures it as a proposal', () => {
  const out = runSnippet('gauge', shrink(snippets[3]!));
  const m = /ESS (\d\.\d{3}), acceptance (\d\.\d{3}), KL (-?\d+\.\d{3})/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m![1]) > 0 && Number(m![2]) > 0 && Number(m![3]) > 0);
});

test('lattice snippet runs and prints a plaquette next to the exact value', () => {
  const [measured, exact] = runSnippet('lattice', shrink(snippets[4]!)).trim().split(/\s+/).map(Number);
  assert.ok(Math.abs(exact! - 0.6977746580) < 1e-9);
  assert.ok(measured! > 0.5 && measured! < 0.85, `plaquette ${measured}`);
});

test('sphere density snippet fits a kernel density to points along a curve', () => {
  const m = /k (\d+), test NLL (-?\d+\.\d\d)/.exec(runSnippet('sphere', snippets[2]!));
  assert.ok(m, 'no output');
  // the true density (uniform on the 0.03 sr strip) has NLL log 0.03 ≈ −3.5, uniform on S² +2.53
  assert.ok(Number(m![1]) > 0 && Number(m![2]) < -2.5, m![0]);
});

test.run();
