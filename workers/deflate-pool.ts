// The browser's worker pool: one Web Worker per core (navigator.hardwareConcurrency) running deflate.worker.ts,
// spawned by the engine worker on first use (a layer written, a large layer hashed) and kept for the next jobs.
import { deflatePool, type DeflatePool } from '../src/engine/index';

export function browserDeflater(size = navigator.hardwareConcurrency || 2): DeflatePool {
  return deflatePool(() => {
    const w = new Worker(new URL('./deflate.worker.ts', import.meta.url), { type: 'module', name: 'deflate' });
    return {
      post: (job, transfer) => w.postMessage(job, transfer),
      listen(reply, fail) {
        w.onmessage = (e) => reply(e.data);
        w.onerror = (e) => {
          e.preventDefault();
          fail(new Error(e.message || 'the deflate worker could not start'));
        };
        w.onmessageerror = () => fail(new Error('a chunk could not be passed to the deflate worker'));
      },
      terminate: () => w.terminate(),
    };
  }, Math.min(Math.max(1, size), 16));
}
