// io.ts sliceStream: a whole Blob as a pull-based stream of slice().arrayBuffer() reads.

import { describe, expect, it } from 'vitest';
import { SLICE_CHUNK, sliceStream } from '../../src/engine/io';

const bytes = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) % 251;
  return b;
};

async function collect(s: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const r = s.getReader();
  for (;;) {
    const x = await r.read();
    if (x.done) return out;
    out.push(x.value);
  }
}

const join = (cs: Uint8Array[]) => {
  const all = new Uint8Array(cs.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of cs) (all.set(c, o), (o += c.length));
  return all;
};

/** Counts the slices read and how many reads are in flight at once. */
function spy(blob: Blob, fail?: (start: number) => Error | undefined) {
  const st = { slices: [] as [number, number][], inFlight: 0, maxInFlight: 0 };
  const view = {
    size: blob.size,
    slice(a: number, b: number) {
      st.slices.push([a, b]);
      return {
        async arrayBuffer() {
          st.inFlight++;
          st.maxInFlight = Math.max(st.maxInFlight, st.inFlight);
          await new Promise((r) => setTimeout(r, 1));
          st.inFlight--;
          const e = fail?.(a);
          if (e) throw e;
          return blob.slice(a, b).arrayBuffer();
        },
      };
    },
  } as unknown as Blob;
  return { view, st };
}

describe('sliceStream', () => {
  it('hands out the blob in chunk-sized reads, exactly at the boundaries', async () => {
    for (const [n, chunk] of [[10, 4], [12, 4], [1, 4], [4, 4], [5, 1]] as const) {
      const data = bytes(n);
      const cs = await collect(sliceStream(new Blob([data]), { chunk }));
      expect(cs.map((c) => c.length)).toEqual(Array.from({ length: Math.ceil(n / chunk) }, (_, i) => Math.min(chunk, n - i * chunk)));
      expect(join(cs)).toEqual(data);
    }
    const big = bytes(SLICE_CHUNK + 100);
    const cs = await collect(sliceStream(new Blob([big])));
    expect(cs.map((c) => c.length)).toEqual([SLICE_CHUNK, 100]);
    // Buffer.equals, not toEqual: vitest's deep equality walks a 4 MiB array element by element (~50 s).
    expect(Buffer.from(join(cs)).equals(Buffer.from(big))).toBe(true);
  });

  it('an empty blob is an empty stream, with no read', async () => {
    const { view, st } = spy(new Blob([]));
    expect(await collect(sliceStream(view))).toEqual([]);
    expect(st.slices).toEqual([]);
  });

  it('reads one slice at a time and at most two ahead of the consumer', async () => {
    const { view, st } = spy(new Blob([bytes(100)]));
    const r = sliceStream(view, { chunk: 10 }).getReader();
    await r.read();
    await new Promise((res) => setTimeout(res, 20));
    expect(st.slices.length).toBe(3); // the one read, two ahead; no more while the consumer waits
    while (!(await r.read()).done);
    expect(st.maxInFlight).toBe(1);
    expect(st.slices).toEqual(Array.from({ length: 10 }, (_, i) => [i * 10, i * 10 + 10]));
  });

  it('a short read continues from where it stopped', async () => {
    const data = bytes(50);
    const blob = new Blob([data]);
    const view = { size: 50, slice: (a: number, b: number) => blob.slice(a, Math.min(b, a + 3)) } as unknown as Blob;
    const cs = await collect(sliceStream(view, { chunk: 10 }));
    expect(cs.every((c) => c.length <= 3)).toBe(true);
    expect(join(cs)).toEqual(data);
  });

  it('cancel stops the reads', async () => {
    const { view, st } = spy(new Blob([bytes(1000)]));
    const r = sliceStream(view, { chunk: 10 }).getReader();
    await r.read();
    await r.cancel();
    await new Promise((res) => setTimeout(res, 20));
    expect(st.slices.length).toBeLessThanOrEqual(2);
  });

  it('an aborted signal errors the stream with cancelled, even between reads', async () => {
    const { view, st } = spy(new Blob([bytes(1000)]));
    const ac = new AbortController();
    const r = sliceStream(view, { chunk: 10, signal: ac.signal }).getReader();
    await r.read();
    ac.abort();
    await expect(r.read()).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((res) => setTimeout(res, 20));
    expect(st.slices.length).toBeLessThanOrEqual(2);
    const pre = new AbortController();
    pre.abort();
    await expect(sliceStream(new Blob([bytes(5)]), { signal: pre.signal }).getReader().read()).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('a failing read (the file changed on disk) errors the stream with truncated', async () => {
    const gone = Object.assign(new Error('The requested file could not be read'), { name: 'NotReadableError' });
    const { view } = spy(new Blob([bytes(100)]), (a) => (a >= 30 ? gone : undefined));
    const r = sliceStream(view, { chunk: 10 }).getReader();
    for (let i = 0; i < 3; i++) expect((await r.read()).value).toHaveLength(10);
    const err = await r.read().then(() => undefined, (e) => e);
    expect(err).toMatchObject({ name: 'LwError', code: 'truncated' });
    expect(err.message).toMatch(/could not be read \(changed or removed on disk\?\)/);
    // A blob that hands out nothing before its end (shrunk on disk) is truncated too, not an endless loop.
    const shrunk = { size: 20, slice: () => new Blob([]) } as unknown as Blob;
    await expect(collect(sliceStream(shrunk))).rejects.toMatchObject({ code: 'truncated' });
  });
});
