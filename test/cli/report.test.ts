import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gf-report-cli-'));
const runDir = join(dir, 'run');
const tiny = ['--L', '4', '--n', '300', '--therm', '20', '--chains', '2', '--seed', '3'];

test('sample --run-dir writes one record per (sampler, L, β); never overwritten without --force', () => {
  for (const beta of ['1', '2']) {
    const r = cli(['sample', ...tiny, '--beta', beta, '--run-dir', runDir]);
    assert.is(r.code, 0, r.stderr);
  }
  assert.equal(readdirSync(runDir).sort(), ['sample-hmc-L4-b1.json', 'sample-hmc-L4-b2.json']);
  const again = cli(['sample', ...tiny, '--beta', '1', '--run-dir', runDir]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /exists; pass --force/);
  assert.is(cli(['sample', ...tiny, '--beta', '1', '--run-dir', runDir, '--force']).code, 0);
  const rec = JSON.parse(readFileSync(join(runDir, 'sample-hmc-L4-b1.json'), 'utf8'));
  assert.is(rec.kind, 'chains');
  assert.is(rec.measured, 600);
  assert.is(rec.histories.chains.length, 2);
});

test('report: a self-contained HTML file with a figure per plot; output rules', () => {
  const out = join(dir, 'report.html');
  assert.is(cli(['report', runDir]).code, 2); // --out missing
  const missing = cli(['report', join(dir, 'nope'), '--out', out]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /does not exist/);
  const r = cli(['report', runDir, '--out', out]);
  assert.is(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  // τ_int vs β (two β), and per run: Q and plaquette histories, two ACFs, the charge histogram
  assert.is((html.match(/<figure class="plot"/g) ?? []).length, 1 + 2 * 5);
  assert.is((html.match(/<svg /g) ?? []).length, 1 + 2 * 5);
  assert.not.match(html, /<script|<link|<img|src=|@import|url\(/);
  assert.match(html, /0\.44639/); // exact ⟨cos θ_P⟩ at β = 1, L = 4 (u1Exact2D) in the table
  const again = cli(['report', runDir, '--out', out]);
  assert.is(again.code, 2);
  assert.match(again.stderr, /--out .* exists; pass --force/);
  assert.is(cli(['report', runDir, '--out', out, '--force']).code, 0);
  assert.is(cli(['report', runDir, '--out', runDir]).code, 2); // the input itself
});

test('report from one sample --json result: tables, no plots needing histories', () => {
  const r = cli(['sample', ...tiny, '--beta', '1', '--json']);
  const file = join(dir, 'result.json');
  writeFileSync(file, r.stdout);
  const out = join(dir, 'one.html');
  const rep = cli(['report', file, '--out', out]);
  assert.is(rep.code, 0, rep.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /Estimates against exact values/);
  assert.is((html.match(/<figure/g) ?? []).length, 0);
  writeFileSync(join(dir, 'other.json'), '{"x": 1}');
  assert.is(cli(['report', join(dir, 'other.json'), '--out', join(dir, 'x.html')]).code, 2);
  assert.not.ok(existsSync(join(dir, 'x.html')));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
