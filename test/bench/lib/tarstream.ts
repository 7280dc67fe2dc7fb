// Streaming tar output for the benchmark generators (Node only): ustar headers for the short paths the
// generators use, written through a sink that respects backpressure. Inputs are hundreds of MB to GBs, so
// nothing is ever assembled in memory.

import { createReadStream } from 'node:fs';

const enc = new TextEncoder();

export interface Hdr {
  path: string;
  size?: number;
  type?: '0' | '2' | '5';
  mode?: number;
  linkpath?: string;
  mtime?: number;
}

function putStr(h: Uint8Array, off: number, len: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > len) throw new Error(`tar field too long: ${s}`);
  h.set(b, off);
}
function putOct(h: Uint8Array, off: number, len: number, v: number): void {
  putStr(h, off, len, v.toString(8).padStart(len - 1, '0'));
}

export function ustar(x: Hdr): Uint8Array {
  const h = new Uint8Array(512);
  const type = x.type ?? '0';
  let name = x.path;
  let prefix = '';
  if (enc.encode(name).length > 100) {
    const i = name.lastIndexOf('/', 155);
    prefix = name.slice(0, i);
    name = name.slice(i + 1);
  }
  putStr(h, 0, 100, name);
  putOct(h, 100, 8, x.mode ?? (type === '5' ? 0o755 : 0o644));
  putOct(h, 108, 8, 0);
  putOct(h, 116, 8, 0);
  putOct(h, 124, 12, type === '0' ? (x.size ?? 0) : 0);
  putOct(h, 136, 12, x.mtime ?? 1_700_000_000);
  h.fill(0x20, 148, 156);
  h[156] = type.charCodeAt(0);
  putStr(h, 157, 100, x.linkpath ?? '');
  putStr(h, 257, 6, 'ustar\0');
  putStr(h, 263, 2, '00');
  putStr(h, 265, 32, 'root');
  putStr(h, 297, 32, 'root');
  putStr(h, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  putStr(h, 148, 7, sum.toString(8).padStart(6, '0') + '\0');
  return h;
}

export const pad = (n: number) => new Uint8Array((512 - (n % 512)) % 512);

/** A tar producer: push headers and content as an async generator of chunks. */
export async function* tarEntries(
  entries: AsyncIterable<{ hdr: Hdr; body?: AsyncIterable<Uint8Array> | Uint8Array | string /* file path */ }>,
): AsyncGenerator<Uint8Array> {
  for await (const { hdr, body } of entries) {
    yield ustar(hdr);
    const size = hdr.size ?? 0;
    if (!body || !size) continue;
    let n = 0;
    if (body instanceof Uint8Array) {
      yield body;
      n = body.length;
    } else {
      const it = typeof body === 'string' ? (createReadStream(body, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>) : body;
      for await (const c of it) {
        n += c.length;
        yield c;
      }
    }
    if (n !== size) throw new Error(`tar: ${hdr.path}: wrote ${n} bytes, header says ${size}`);
    const p = pad(size);
    if (p.length) yield p;
  }
  yield new Uint8Array(1024);
}
