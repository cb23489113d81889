// Worker-thread entry of the exact CNF density (exact-density.ts). Loader hooks registered in the
// main thread do not reach worker threads, so register tsx here before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./exact-density-worker.ts');
