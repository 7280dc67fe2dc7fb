// One chunk of the chunked gzip encoder (gzip.ts). Pure and self-contained so it can run in the calling thread
// or in a pool worker (issue 11): what it returns depends only on its inputs, never on which thread ran it.
//
// fflate's deflateSync (never its streaming Deflate/Gzip: fflate #260, they can reference bytes before the
// start of the stream within the first 32 KiB) compresses the chunk with the previous 32 KiB of input as its
// dictionary, so matches reach back across the chunk boundary exactly as one continuous stream allows. Its
// output is a complete deflate stream; syncPiece (deflate-scan.ts) clears the final bit and byte-aligns it so
// the pieces of all chunks concatenate into one valid deflate stream (never fflate's flush(): #267).

import { deflateSync } from 'fflate';
import { crc32 } from './crc32';
import { syncPiece } from './deflate-scan';

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
  const raw = deflateSync(data, dict.length ? { level: level as 6, dictionary: dict } : { level: level as 6 });
  return { piece: syncPiece(raw), crc: crc32(data), size: data.length };
}
