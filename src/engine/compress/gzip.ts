// Deterministic gzip output: fflate's Gzip at a fixed level, header mtime 0, no file name, OS byte 3.
// fflate's block boundaries depend on how input is pushed, so input is re-cut into fixed 64 KiB
// blocks first: the same bytes in give the same bytes out however the caller chunks them.
// flush() is never called (fflate 0.8.3's sync flush can emit a misaligned marker, issue #267).

import { Gzip } from 'fflate';
import { LwError } from '../errors';

const BLOCK = 64 * 1024;

export function gzipStream(opts: { level?: number } = {}): TransformStream<Uint8Array, Uint8Array> {
  const level = opts.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw new LwError('invalid-argument', `gzip level must be an integer 0-9, not ${String(opts.level)}.`);
  let ctrl!: TransformStreamDefaultController<Uint8Array>;
  const gz = new Gzip({ level: level as 6, mtime: 0 }, (out) => {
    if (out.length) ctrl.enqueue(out);
  });
  const block = new Uint8Array(BLOCK); // fflate copies pushed data into its own window: reusable
  let fill = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(c) {
      ctrl = c;
    },
    transform(chunk) {
      let pos = 0;
      while (pos < chunk.length) {
        const n = Math.min(BLOCK - fill, chunk.length - pos);
        block.set(chunk.subarray(pos, pos + n), fill);
        fill += n;
        pos += n;
        if (fill === BLOCK) {
          gz.push(block, false);
          fill = 0;
        }
      }
    },
    flush() {
      gz.push(block.subarray(0, fill), true);
    },
  });
}
