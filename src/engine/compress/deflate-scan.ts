// Turns a complete raw deflate stream (what fflate's deflateSync writes: its last block has BFINAL set) into a
// piece that can be followed by more deflate data: the final-block bit is cleared and an empty stored block
// (3 header bits, padding, 00 00 FF FF — what zlib's Z_SYNC_FLUSH writes) ends it on a byte boundary.
//
// A Huffman-coded block has no length field, so the only way to find where the last block starts and where its
// end-of-block code stops is to walk every block's codes (deflate-walk.ts, the walker splicing uses too); the
// walk doubles as a structural check of what the encoder wrote: a malformed stream throws.

import { badDeflate, walkBlock } from './deflate-walk';

export interface BlockEnds {
  /** Bit position of the last block's BFINAL bit. */
  finalBit: number;
  /** Bit position just after the last block's end-of-block code (or its stored data). */
  endBit: number;
}

/** Walks every block of a raw deflate stream; throws `encoder-failed` if it is malformed or runs past its end. */
export function scanDeflate(d: Uint8Array): BlockEnds {
  let p = 0;
  for (;;) {
    const b = walkBlock(d, p);
    if (!b) throw badDeflate('block past the end');
    if (b.final) return { finalBit: p, endBit: b.endBit };
    p = b.endBit;
  }
}

/** A raw deflate stream made joinable: BFINAL cleared, ended on a byte boundary by an empty stored block. */
export function syncPiece(d: Uint8Array): Uint8Array {
  const { finalBit, endBit } = scanDeflate(d);
  const head = (endBit + 3 + 7) >>> 3; // the stored block's 3 header bits (all zero), then padding
  const out = new Uint8Array(head + 4);
  out.set(d.subarray(0, Math.min(head, d.length)));
  out[finalBit >>> 3] &= ~(1 << (finalBit & 7));
  // Everything after the end-of-block code must be zero: the stored header bits and the padding.
  const i = endBit >>> 3;
  out[i] &= (1 << (endBit & 7)) - 1;
  out.fill(0, i + 1, head);
  out[head + 2] = 0xff;
  out[head + 3] = 0xff;
  return out;
}
