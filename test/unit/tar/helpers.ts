// Shared helpers for the tar tests: byte streams with chosen chunking, collecting entries and contents.
import { readTar, type TarEntry } from '../../../src/engine/tar';

/** A stream yielding `data` in chunks of `chunk` bytes (odd sizes exercise header/content splits). */
export function streamOf(data: Uint8Array, chunk = 4096): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (o >= data.length) return c.close();
      c.enqueue(data.subarray(o, o + chunk));
      o += chunk;
    },
  });
}

export interface Read {
  entry: TarEntry;
  content: Uint8Array;
}

export async function readAll(data: Uint8Array | ReadableStream<Uint8Array>, chunk = 4096): Promise<Read[]> {
  const out: Read[] = [];
  const src = data instanceof Uint8Array ? streamOf(data, chunk) : data;
  for await (const item of readTar(src)) {
    const parts: Uint8Array[] = [];
    for await (const c of item.data()) parts.push(c.slice());
    out.push({ entry: item.entry, content: cat(parts) });
  }
  return out;
}

export function cat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function blobBytes(b: Blob): Promise<Uint8Array> {
  return new Uint8Array(await b.arrayBuffer());
}

export const enc = (s: string) => new TextEncoder().encode(s);

/** Expects an async action to reject with an LwError of the given code. */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const x = e as { name?: string; code?: string };
    return x.name === 'LwError' ? String(x.code) : `non-LwError: ${String(e)}`;
  }
  return 'no error';
}
