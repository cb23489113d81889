/**
 * Vega-Lite → SVG in Node: compile the Vega-Lite spec to Vega, run a headless Vega view (renderer
 * 'none', no canvas needed) and serialise its scene graph to an SVG string. Fonts are the generic
 * sans-serif family, so the SVG looks the same offline in any browser.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const config = {
  font: 'sans-serif',
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' as const },
};

/** Render one Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const full = { ...spec, config: { ...config, ...(spec.config ?? {}) } } as TopLevelSpec;
  const vg = compile(full).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
