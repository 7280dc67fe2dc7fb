// One chunk of the chunked gzip encoder (gzip.ts). Pure and self-contained so it can run in the calling thread
// or in a pool worker (issue 11): what it returns depends only on its inputs, never on which thread ran it.
//
// fflate's deflateSync (never its streaming Deflate/Gzip: fflate #260, they can reference bytes before the
// start of the stream within the first 32 KiB) compresses the chunk with the previous 32 KiB of input as its
// dictionary, so matches reach back across the chunk boundary exactly as one continuous stream allows. Its
// output is a complete deflate stream; syncPiece (deflate-scan.ts) clears the final bit and byte-aligns it so
// the pieces of all chunks concatenate into one valid deflate stream (never fflate's flush(): #267).
//
// The parts of a chunk deflate cannot shrink (incompressible.ts, judged per 64 KiB: already-compressed files)
// are written as stored blocks instead: ~35 ms per MiB of fflate level 6 saved for a few ms of checking and a
// copy, at the same size (fflate itself falls back to stored blocks on such data). Go's klauspost/compress,
// umoci's encoder, skips such input alike. The other parts are deflated as before, each with the 32 KiB before
// it as dictionary, so a chunk with nothing to store gives exactly the bytes it gave before.

import { deflateSync } from 'fflate';
import { concatBytes } from '../bytes';
import { crc32 } from './crc32';
import { syncPiece } from './deflate-scan';
import { storedRuns } from './incompressible';

export interface DeflateJob {
  /** The chunk's uncompressed bytes. */
  data: Uint8Array;
  /** Up to 32 KiB of input just before `data` (empty for the first chunk). Must be all 32 KiB otherwise. */
  dict: Uint8Array;
  /** 0-9. */
  level: number;
}

export interface DeflatedChunk {
  /** Raw deflate data, not final, ending on a byte boundary: the pieces of all chunks concatenate. */
  piece: Uint8Array;
  /** CRC-32 of `data`, combined into the gzip trailer with crc32Combine. */
  crc: number;
  /** Bytes of `data`. */
  size: number;
}

export function deflateChunk(job: DeflateJob): DeflatedChunk {
  const { data, dict, level } = job;
  const runs = level > 0 ? storedRuns(data, dict) : [{ end: data.length, stored: false }];
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const { end, stored } of runs) {
    const part = data.subarray(start, end);
    // A run after the first starts ≥ 64 KiB into the chunk: its dictionary is always a full 32 KiB.
    const before = start ? data.subarray(start - WINDOW, start) : dict;
    pieces.push(stored ? storedPiece(part) : deflatePiece(part, before, level));
    start = end;
  }
  return { piece: concatBytes(...pieces), crc: crc32(data), size: data.length };
}

const WINDOW = 32 * 1024;

function deflatePiece(data: Uint8Array, dict: Uint8Array, level: number): Uint8Array {
  return syncPiece(deflateSync(data, dict.length ? { level: level as 6, dictionary: dict } : { level: level as 6 }));
}

/** Max bytes of one stored block (LEN is 16 bits). */
const STORED_MAX = 65535;

/**
 * `data` as non-final stored blocks (RFC 1951 3.2.4): each a zero byte (BFINAL 0, BTYPE 00, then padding — a
 * piece starts on a byte boundary), LEN and NLEN little-endian, the bytes. Ends on a byte boundary, so it joins
 * like syncPiece's output. Empty `data` gives one empty block.
 */
export function storedPiece(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_MAX));
  const out = new Uint8Array(data.length + 5 * blocks);
  let o = 0;
  for (let i = 0; i < blocks; i++) {
    const part = data.subarray(i * STORED_MAX, Math.min(data.length, (i + 1) * STORED_MAX));
    const n = part.length;
    out[o] = 0;
    out[o + 1] = n & 0xff;
    out[o + 2] = n >>> 8;
    out[o + 3] = ~n & 0xff;
    out[o + 4] = (~n >>> 8) & 0xff;
    out.set(part, o + 5);
    o += 5 + n;
  }
  return out;
}
