// Worker-thread entry of data-parallel training. Loader hooks registered in the main thread do
// not reach worker threads, so register tsx here before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./parallel-worker.ts');
