// The splicer's shared page reader: any range, within a page, across pages or larger than two pages, at the
// blob's end, gives exactly the blob's bytes; and walking then copying reads each page once.
import { describe, expect, it } from 'vitest';
import { SourcePages } from '../../../src/engine/compress/splice-source';
import { rng } from './property';

const MiB = 1 << 20;

describe('SourcePages', () => {
  const r = rng(7);
  const data = new Uint8Array(9 * MiB + 12_345).map(() => Math.floor(r() * 256));
  const reads: [number, number][] = [];
  const blob = new Blob([data]);
  const counted = new Proxy(blob, {
    get(t, k) {
      if (k === 'slice') return (a: number, b: number) => (reads.push([a, b]), t.slice(a, b));
      const v = Reflect.get(t, k, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  }) as Blob;

  it('gives the blob bytes for random ranges', async () => {
    const pages = new SourcePages(counted);
    for (let k = 0; k < 300; k++) {
      const from = Math.floor(r() * data.length);
      const len = [10, 70_000, MiB, 2 * MiB + 5, 3 * MiB][k % 5];
      const got = await pages.read(from, from + len);
      expect(got.length).toBe(Math.min(from + len, data.length) - from);
      expect(Buffer.from(got).equals(Buffer.from(data.subarray(from, from + len))), `${from}+${len}`).toBe(true);
    }
    expect((await pages.read(data.length, data.length + 10)).length).toBe(0);
  });

  it('reads each page once for a forward walk and a copy trailing it', async () => {
    reads.length = 0;
    const pages = new SourcePages(counted);
    for (let at = 0; at < data.length; at += 300_000) {
      await pages.read(at, at + MiB); // the walker's window
      if (at >= 600_000) await pages.read(at - 600_000, at - 600_000 + MiB); // the copier, behind it
    }
    expect(reads.length).toBe(3); // three 4 MiB pages, each once (read ahead included)
  });
});
