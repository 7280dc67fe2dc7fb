// A watchdog thread for synchronous hangs: a per-case Promise timeout cannot fire while the event loop is
// stuck in an endless loop, so a worker thread watches a heartbeat the test writes before each case and
// kills the process (naming the case) when one runs far too long. Plain JS via `eval`: no TS loader needed.

import { Worker } from 'node:worker_threads';

const SRC = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const beat = new Float64Array(workerData.sab);
const limit = workerData.limitMs;
setInterval(() => {
  const started = beat[0];
  if (started > 0 && Date.now() - started > limit) {
    const name = Buffer.from(new Uint8Array(workerData.nameSab)).toString('utf8').replace(/\\0+$/, '');
    fs.writeSync(2, '\\nFUZZ WATCHDOG: case "' + name + '" blocked the event loop for over ' + limit + ' ms; killing the process\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

export class Watchdog {
  private readonly beat: Float64Array;
  private readonly name: Uint8Array;
  private readonly worker: Worker;
  constructor(limitMs: number) {
    const sab = new SharedArrayBuffer(8);
    const nameSab = new SharedArrayBuffer(256);
    this.beat = new Float64Array(sab);
    this.name = new Uint8Array(nameSab);
    this.worker = new Worker(SRC, { eval: true, workerData: { sab, nameSab, limitMs } });
    this.worker.unref();
  }
  start(name: string): void {
    this.name.fill(0);
    this.name.set(new TextEncoder().encode(name).subarray(0, 255));
    this.beat[0] = Date.now();
  }
  stop(): void {
    this.beat[0] = 0;
  }
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
