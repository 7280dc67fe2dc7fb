// A Node worker_threads entry for the worker pool (src/engine/compress/pool.ts): deflates the chunks, hashes the
// streams and decodes the guard's streams it is sent, answering each message in order (one after another: a
// gunzip job answers asynchronously).
import { parentPort } from 'node:worker_threads';
import { poolServer, type PoolJob } from '../engine/compress/pool';

const serve = poolServer();
let queue = Promise.resolve();
parentPort!.on('message', (job: PoolJob) => {
  queue = queue.then(async () => {
    const { reply, transfer } = await serve(job);
    parentPort!.postMessage(reply, transfer);
  });
});
