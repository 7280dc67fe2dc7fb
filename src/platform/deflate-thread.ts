// A Node worker_threads entry for the deflate pool (src/engine/compress/pool.ts): answers each chunk it is sent.
import { parentPort } from 'node:worker_threads';
import { serveDeflate } from '../engine/compress/pool';
import type { DeflateJob } from '../engine/compress/deflate-chunk';

parentPort!.on('message', (job: DeflateJob) => {
  const { reply, transfer } = serveDeflate(job);
  parentPort!.postMessage(reply, transfer);
});
