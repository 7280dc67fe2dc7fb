// Zstandard decoding with fzstd (pure JS), behind a small frame walker of our own.
//
// The walker reads only frame and block headers (RFC 8878), a step ahead of fzstd, so that:
// - a frame asking for a huge window is refused before fzstd allocates it (and before its per-block
//   window copy makes decoding crawl): the limit is the reference decoder's default, 128 MiB;
// - the end-of-input verdict is exact: 'truncated' unless the input stops at a frame boundary.
// fzstd does not verify the optional XXH64 content checksum; nor does this wrapper.

import { Decompress } from 'fzstd';
import { LwError } from '../errors';

/** zstd's default decoder limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27); larger needs `zstd --long`. */
export const ZSTD_MAX_WINDOW = 128 * 1024 * 1024;
const MAX_BLOCK = 128 * 1024;

const UNEXPECTED_EOF = 5;
const WINDOW_TOO_LARGE = 1;

type Step = 'magic' | 'skippable-size' | 'descriptor' | 'header' | 'block-header';

class FrameWalker {
  private step: Step = 'magic';
  private readonly acc = new Uint8Array(16);
  private need = 4;
  private have = 0;
  private skip = 0;
  private flags = 0;
  private windowSize = 0;
  private checksum = false;
  frames = 0;
  private blocks = 0; // block headers parsed during the current push

  constructor(private readonly maxWindow: number) {}

  /** True when the input so far ends exactly between frames. */
  atBoundary(): boolean {
    return this.step === 'magic' && this.have === 0 && this.skip === 0;
  }

  /**
   * Vets d's headers; stops right after the `maxBlocks`-th block's body ends and returns the bytes consumed
   * (d.length when fewer blocks end in d), so the caller can hand fzstd a bounded amount of output per step.
   */
  push(d: Uint8Array, maxBlocks = Infinity): number {
    let i = 0;
    this.blocks = 0;
    while (i < d.length) {
      if (this.blocks >= maxBlocks && this.skip === 0) return i;
      if (this.skip > 0) {
        const n = Math.min(this.skip, d.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const n = Math.min(this.need - this.have, d.length - i);
      this.acc.set(d.subarray(i, i + n), this.have);
      this.have += n;
      i += n;
      if (this.have === this.need) {
        this.have = 0;
        this.parse();
      }
    }
    return i;
  }

  private to(step: Step, need = 0): void {
    this.step = step;
    this.need = step === 'magic' || step === 'skippable-size' ? 4 : step === 'descriptor' ? 1 : step === 'block-header' ? 3 : need;
  }

  // Skips n body bytes, then parses `next`.
  private skipThen(n: number, next: Step): void {
    this.skip = n;
    this.to(next);
  }

  private parse(): void {
    const a = this.acc;
    switch (this.step) {
      case 'magic':
        if (a[0] === 0x28 && a[1] === 0xb5 && a[2] === 0x2f && a[3] === 0xfd) {
          this.frames++;
          this.to('descriptor');
        } else if ((a[0] & 0xf0) === 0x50 && a[1] === 0x2a && a[2] === 0x4d && a[3] === 0x18) {
          this.to('skippable-size');
        } else throw corrupt(this.frames ? 'unexpected data after a zstd frame' : 'not a zstd stream (bad magic bytes)');
        return;
      case 'skippable-size':
        this.skipThen((a[0] | (a[1] << 8) | (a[2] << 16) | (a[3] << 24)) >>> 0, 'magic');
        return;
      case 'descriptor': {
        const f = (this.flags = a[0]);
        if (f & 8) throw corrupt('reserved bit set in a zstd frame header');
        const single = (f >> 5) & 1;
        const dictBytes = [0, 1, 2, 4][f & 3];
        const fcsBytes = f >> 6 ? 1 << (f >> 6) : single;
        this.checksum = ((f >> 2) & 1) === 1;
        this.to('header', (single ? 0 : 1) + dictBytes + fcsBytes);
        return;
      }
      case 'header': {
        const f = this.flags;
        const single = (f >> 5) & 1;
        if (!single) {
          const exp = a[0] >> 3;
          const base = 2 ** (10 + exp);
          this.windowSize = base + (base / 8) * (a[0] & 7);
        } else {
          // single segment: the window is the whole content, whose size follows the dictionary id
          const at = [0, 1, 2, 4][f & 3];
          const n = this.need - at;
          let fcs = 0;
          for (let k = n - 1; k >= 0; k--) fcs = fcs * 256 + a[at + k];
          this.windowSize = n === 2 ? fcs + 256 : fcs;
        }
        if (this.windowSize > this.maxWindow)
          throw new LwError(
            'unsupported-media-type',
            `This zstd data needs a ${Math.ceil(this.windowSize / 1048576)} MiB window; layerwright decodes up to ${this.maxWindow / 1048576} MiB (as zstd does without --long).`,
          );
        this.to('block-header');
        return;
      }
      case 'block-header': {
        this.blocks++;
        const last = a[0] & 1;
        const type = (a[0] >> 1) & 3;
        const size = (a[0] >> 3) | (a[1] << 5) | (a[2] << 13);
        if (type === 3) throw corrupt('reserved zstd block type');
        if (size > MAX_BLOCK) throw corrupt('zstd block larger than 128 KiB');
        const body = type === 1 ? 1 : size; // an RLE block stores one byte
        // after the last block: the 4-byte checksum (if flagged), then the next frame
        this.skipThen(last ? body + (this.checksum ? 4 : 0) : body, last ? 'magic' : 'block-header');
        return;
      }
    }
  }
}

/**
 * At most this many blocks (128 KiB of output each) are decoded per step: one step of a bomb (an RLE block is
 * 4 bytes of input for 128 KiB of output) yields 4 MiB, not the gigabytes 32 KiB of its input describe, so the
 * consumer's back-pressure, Cancel and the expansion ceiling act between steps.
 */
const STEP_BLOCKS = 32;

export class ZstdDecoder {
  private readonly z: Decompress;
  private readonly walker: FrameWalker;
  private inputBytes = 0;
  private pending: Uint8Array[] = [];

  constructor(emit: (chunk: Uint8Array) => void, opts: { maxWindow?: number } = {}) {
    this.walker = new FrameWalker(opts.maxWindow ?? ZSTD_MAX_WINDOW);
    this.z = new Decompress((out) => {
      if (out.length) emit(out);
    });
  }

  /** Queues input; step() decodes it. (push alone decodes nothing, so a caller that never steps gets nothing.) */
  push(chunk: Uint8Array): void {
    if (!chunk.length) return;
    this.inputBytes += chunk.length;
    this.pending.push(chunk);
  }

  /** Decodes up to STEP_BLOCKS blocks of queued input; false when nothing was queued. */
  step(): boolean {
    if (!this.pending.length) return false;
    const head = this.pending[0];
    const n = this.walker.push(head, STEP_BLOCKS); // vets the headers before fzstd acts on them
    if (n === head.length) this.pending.shift();
    else this.pending[0] = head.subarray(n);
    this.run(head.subarray(0, n), false);
    return true;
  }

  finish(): void {
    while (this.step());
    if (this.inputBytes === 0) throw new LwError('truncated', 'Truncated: the zstd stream is empty.');
    if (!this.walker.atBoundary()) throw truncated(this.inputBytes);
    this.run(new Uint8Array(0), true);
  }

  private run(chunk: Uint8Array, final: boolean): void {
    if (!chunk.length && !final) return;
    try {
      this.z.push(chunk, final);
    } catch (e) {
      throw mapError(e, this.inputBytes);
    }
  }
}

function corrupt(msg: string): LwError {
  return new LwError('corrupt', `Corrupt: ${msg}.`);
}

function truncated(at: number): LwError {
  return new LwError('truncated', `Truncated: the zstd stream ends early (after ${at} compressed bytes).`);
}

function mapError(e: unknown, at: number): LwError {
  if (e instanceof LwError) return e;
  const code = (e as { code?: number }).code;
  const msg = (e as Error).message ?? String(e);
  if (code === UNEXPECTED_EOF) return truncated(at);
  if (code === WINDOW_TOO_LARGE) return corrupt('the zstd frame asks for a window larger than 2 GiB');
  return corrupt(`invalid zstd data (${msg})`);
}
