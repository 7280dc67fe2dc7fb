// A Node worker_threads entry for the worker pool (src/engine/compress/pool.ts): deflates the chunks and hashes
// the streams it is sent, answering each message in order.
import { parentPort } from 'node:worker_threads';
import { poolServer, type PoolJob } from '../engine/compress/pool';

const serve = poolServer();
parentPort!.on('message', (job: PoolJob) => {
  const { reply, transfer } = serve(job);
  parentPort!.postMessage(reply, transfer);
});
