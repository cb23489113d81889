// Worker-thread entry of the multi-chain runner. Loader hooks registered in the main thread do
// not reach worker threads, so register tsx here before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
