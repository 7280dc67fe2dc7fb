// Zstandard decoding with fzstd (pure JS). fzstd's streaming Decompress throws UnexpectedEOF when
// told the input ended inside a frame; this wrapper maps its errors to LwError and treats empty
// input as truncated. fzstd does not verify the optional XXH64 content checksum.

import { Decompress } from 'fzstd';
import { LwError } from '../errors';

const UNEXPECTED_EOF = 5;
const WINDOW_TOO_LARGE = 1;

export class ZstdDecoder {
  private readonly z: Decompress;
  private inputBytes = 0;

  constructor(emit: (chunk: Uint8Array) => void) {
    this.z = new Decompress((out) => {
      if (out.length) emit(out);
    });
  }

  push(chunk: Uint8Array): void {
    if (!chunk.length) return; // fzstd treats an empty non-final push as data; nothing to do
    this.inputBytes += chunk.length;
    this.run(chunk, false);
  }

  finish(): void {
    if (this.inputBytes === 0) throw new LwError('truncated', 'Truncated: the zstd stream is empty.');
    this.run(new Uint8Array(0), true);
  }

  private run(chunk: Uint8Array, final: boolean): void {
    try {
      this.z.push(chunk, final);
    } catch (e) {
      throw mapError(e, this.inputBytes);
    }
  }
}

function mapError(e: unknown, at: number): LwError {
  if (e instanceof LwError) return e;
  const code = (e as { code?: number }).code;
  const msg = (e as Error).message ?? String(e);
  if (code === UNEXPECTED_EOF)
    return new LwError('truncated', `Truncated: the zstd stream ends early (after ${at} compressed bytes).`);
  if (code === WINDOW_TOO_LARGE)
    return new LwError('corrupt', 'Corrupt: the zstd frame asks for a window larger than 2 GiB.');
  return new LwError('corrupt', `Corrupt: invalid zstd data (${msg}).`);
}
