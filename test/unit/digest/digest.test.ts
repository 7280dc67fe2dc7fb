import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { openAsBlob } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LwError } from '../../../src/engine/errors';
import { digestBlob, digestStream, hashingStream, sha256Bytes } from '../../../src/engine/digest';

const ref = (b: Uint8Array) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function chunked(data: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream({
    pull(c) {
      if (pos >= data.length) return c.close();
      c.enqueue(data.slice(pos, pos + size));
      pos += size;
    },
  });
}

describe('digest', () => {
  it('sha256Bytes uses the OCI form', async () => {
    expect(await sha256Bytes(new Uint8Array(0))).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('digestBlob: one-shot and streamed paths agree just under and over the limit', async () => {
    const data = randomBytes(300_001);
    const blob = new Blob([data]);
    const want = ref(data);
    const seen: Record<string, [number, number][]> = { small: [], large: [] };
    const small = await digestBlob(blob, { oneShotLimit: data.length, onProgress: (d, t) => seen.small.push([d, t]) });
    const large = await digestBlob(blob, { oneShotLimit: data.length - 1, onProgress: (d, t) => seen.large.push([d, t]) });
    expect(small).toBe(want);
    expect(large).toBe(want);
    for (const k of ['small', 'large']) {
      expect(seen[k][0]).toEqual([0, data.length]);
      expect(seen[k].at(-1)).toEqual([data.length, data.length]);
    }
  });

  it('digestBlob streams a file-backed Blob (the CLI path)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-digest-'));
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'f'), data);
    const blob = await openAsBlob(join(dir, 'f'));
    expect(await digestBlob(blob, { oneShotLimit: 1024 })).toBe(ref(data));
    expect(await digestBlob(blob)).toBe(ref(data));
  });

  it('digestBlob is cancelled between chunks', async () => {
    const ac = new AbortController();
    const blob = new Blob([randomBytes(8 * 1024 * 1024)]);
    const p = digestBlob(blob, {
      oneShotLimit: 0,
      signal: ac.signal,
      onProgress: (d) => {
        if (d > 0) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    const ac2 = new AbortController();
    ac2.abort();
    await expect(digestBlob(blob, { signal: ac2.signal })).rejects.toBeInstanceOf(LwError);
  });

  it('digestStream counts and hashes any chunking; cancels its source on abort', async () => {
    const data = randomBytes(200_003);
    for (const size of [1 << 16, 7, 1000]) {
      const r = await digestStream(chunked(data, size));
      expect(r).toEqual({ digest: ref(data), size: data.length });
    }
    let cancelled = false;
    const ac = new AbortController();
    const src = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(1024));
        ac.abort();
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(digestStream(src, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(cancelled).toBe(true);
  });

  it('hashingStream passes bytes through unchanged and reports digest + size at the end', async () => {
    const data = randomBytes(100_000);
    const h = hashingStream();
    expect(() => h.result()).toThrow(LwError);
    const out: Uint8Array[] = [];
    await chunked(data, 4096)
      .pipeThrough(h.stream)
      .pipeTo(new WritableStream({ write: (c) => void out.push(c) }));
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(h.result()).toEqual({ digest: ref(data), size: data.length });
  });
});
