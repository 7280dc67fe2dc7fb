// A pool worker (src/engine/compress/pool.ts), spawned by the engine worker: deflates the chunks, hashes the
// streams and decodes the guard's streams it is sent, answering each message in order (one after another: a
// gunzip job answers asynchronously).
import { poolServer } from '../src/engine/index';
import type { PoolJob } from '../src/engine/index';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const serve = poolServer();
let queue = Promise.resolve();
scope.onmessage = (e: MessageEvent<PoolJob>) => {
  queue = queue.then(async () => {
    const { reply, transfer } = await serve(e.data);
    scope.postMessage(reply, transfer);
  });
};
