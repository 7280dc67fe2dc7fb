// A pool worker (src/engine/compress/pool.ts), spawned by the engine worker: deflates the chunks and hashes the
// streams it is sent, answering each message in order.
import { poolServer } from '../src/engine/index';
import type { PoolJob } from '../src/engine/index';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const serve = poolServer();
scope.onmessage = (e: MessageEvent<PoolJob>) => {
  const { reply, transfer } = serve(e.data);
  scope.postMessage(reply, transfer);
};
