// A deflate pool worker (src/engine/compress/pool.ts), spawned by the engine worker: answers each chunk it is sent.
import { serveDeflate } from '../src/engine/index';
import type { DeflateJob } from '../src/engine/index';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<DeflateJob>) => {
  const { reply, transfer } = serveDeflate(e.data);
  scope.postMessage(reply, transfer);
};
