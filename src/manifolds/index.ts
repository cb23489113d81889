export type { Manifold } from './types.ts';
export { circle, torus, FlatTorus, wrapAngle } from './torus.ts';
export { sphere, Sphere } from './sphere.ts';
export { maximalTorus, MaximalTorus } from './maximal-torus.ts';
export { gaussian } from './random.ts';

import type { Manifold } from './types.ts';
import { circle, torus } from './torus.ts';
import { sphere } from './sphere.ts';
import { maximalTorus } from './maximal-torus.ts';

/** Manifold by CLI name: circle, torusN, sphereN, maxtorusN. */
export function manifoldByName(name: string): Manifold {
  if (name === 'circle') return circle;
  const m = /^(torus|sphere|maxtorus)(\d+)$/.exec(name);
  if (m) {
    const k = Number(m[2]);
    if (m[1] === 'torus') return torus(k);
    if (m[1] === 'sphere') return sphere(k);
    return maximalTorus(k);
  }
  throw new Error(`unknown manifold '${name}' (expected circle, torusN, sphereN or maxtorusN)`);
}
