/**
 * The README's freezing results are generated from the committed benchmark JSON
 * (bench/freezing-readme.ts): the block in README.md must be exactly what the script makes of
 * bench/results/freezing.json, and the τ_int-against-β SVG must exist with a mark per point.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { BEGIN, END, markdown, scanPoints, type FreezingResult } from '../../bench/freezing-readme.ts';

const result = JSON.parse(readFileSync('bench/results/freezing.json', 'utf8')) as FreezingResult;

test('README freezing block = bench/freezing-readme.ts applied to bench/results/freezing.json', () => {
  const readme = readFileSync('README.md', 'utf8');
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  assert.ok(a >= 0 && b > a, 'README.md has the freezing markers');
  assert.is(readme.slice(a, b + END.length), markdown(result), 'regenerate with: npx tsx bench/freezing-readme.ts --write');
});

test('docs/freezing-tau.svg: one plotted symbol per (sampler, L, β) with a τ_int estimate', () => {
  const svg = readFileSync('docs/freezing-tau.svg', 'utf8');
  assert.ok(svg.startsWith('<svg'), 'an SVG document');
  const points = scanPoints(result).filter((p) => p.tauIntQ !== null && p.tauIntQ > 0);
  assert.ok(points.length >= 4, 'HMC and flow at two β at least');
  const symbols = (svg.match(/class="mark-symbol[^"]*"[^>]*>/g) ?? []).length;
  assert.ok(symbols >= 1, 'the plot has symbol marks');
  const paths = (svg.match(/<path /g) ?? []).length;
  assert.ok(paths >= points.length, `at least one path per point (${paths} < ${points.length})`);
});

test.run();
