// The OPFS scratch (src/platform/browser.ts) against a fake origin private file system: small writes are gathered
// into few SyncAccessHandle writes, bytes land in order whatever the mix of sizes, and storage that drops or refuses
// bytes fails the file with write-failed instead of handing out a shorter blob.

import { afterEach, describe, expect, it } from 'vitest';
import { opfsScratch } from '../../../src/platform/browser';
import { LwError } from '../../../src/engine/errors';
import { rng } from '../compress/property'; // seeded: the test's sizes and bytes are the same every run

interface FakeFile {
  bytes: Uint8Array;
  size: number;
}

/** What the fake storage does to a write: keep it all, keep only part, or throw (quota). */
type Policy = (call: number, len: number) => number | 'throw';

class FakeDir {
  files = new Map<string, FakeFile>();
  dirs = new Map<string, FakeDir>();
  writes: number[] = []; // lengths of every SyncAccessHandle.write
  constructor(private policy: Policy = (_c, n) => n) {}
  async getDirectoryHandle(name: string) {
    let d = this.dirs.get(name);
    if (!d) this.dirs.set(name, (d = new FakeDir(this.policy)));
    d.writes = this.writes;
    return d;
  }
  async getFileHandle(name: string) {
    const f: FakeFile = this.files.get(name) ?? { bytes: new Uint8Array(1 << 16), size: 0 };
    this.files.set(name, f);
    const writes = this.writes;
    const policy = this.policy;
    return {
      createSyncAccessHandle: async () => ({
        write(data: Uint8Array, { at }: { at: number }) {
          const keep = policy(writes.length, data.length);
          writes.push(data.length);
          if (keep === 'throw') throw new Error('QuotaExceededError');
          if (at + keep > f.bytes.length) {
            const grown = new Uint8Array(Math.max(at + keep, f.bytes.length * 2));
            grown.set(f.bytes.subarray(0, f.size));
            f.bytes = grown;
          }
          f.bytes.set(data.subarray(0, keep), at);
          f.size = Math.max(f.size, at + keep);
          return keep;
        },
        flush() {},
        getSize: () => f.size,
        close() {},
      }),
      getFile: async () => new Blob([f.bytes.slice(0, f.size)]),
    };
  }
  async removeEntry(name: string) {
    this.files.delete(name);
    this.dirs.delete(name);
  }
  async *keys() {
    yield* this.dirs.keys();
    yield* this.files.keys();
  }
}

const realNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
function useFakeOpfs(policy?: Policy): FakeDir {
  const root = new FakeDir(policy);
  Object.defineProperty(globalThis, 'navigator', { configurable: true, value: { storage: { getDirectory: async () => root } } });
  return root;
}
afterEach(() => {
  if (realNavigator) Object.defineProperty(globalThis, 'navigator', realNavigator);
  else delete (globalThis as { navigator?: unknown }).navigator;
});

describe('OPFS scratch files', () => {
  it('gathers small writes into few storage writes and keeps every byte in order', async () => {
    const root = useFakeOpfs();
    const scratch = (await opfsScratch())!;
    expect(scratch).toBeDefined();
    const rand = rng(20261128);
    const file = await scratch.create('layer');
    const sent: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < 400; i++) {
      // mostly tar-header and splice-piece sizes, now and then a chunk of a MiB or more
      const n = rand() < 0.05 ? (1 << 20) + Math.floor(rand() * 300_000) : Math.floor(rand() * 70_000);
      const c = new Uint8Array(n);
      for (let j = 0; j < n; j += 97) c[j] = Math.floor(rand() * 256);
      c[n - 1] = i & 0xff;
      sent.push(c.slice());
      await file.write(c);
      c.fill(0xee); // the caller may reuse its buffer once write() returns
      total += n;
    }
    const blob = await file.close();
    expect(blob.size).toBe(total);
    const got = new Uint8Array(await blob.arrayBuffer());
    let at = 0;
    const wrong: number[] = [];
    for (const [i, c] of sent.entries()) {
      if (Buffer.compare(got.subarray(at, at + c.length), c) !== 0) wrong.push(i);
      at += c.length;
    }
    expect(wrong).toEqual([]);
    // 400 writes of ~35 KiB became a few dozen: the gathered ones are flushed only when the next would not fit in
    // the MiB (so each holds over 1 MiB − 70 KB) or before a big chunk, which is written as it is.
    const big = sent.filter((c) => c.length >= 1 << 20).length;
    expect(root.writes.length).toBeLessThanOrEqual(Math.ceil(total / ((1 << 20) - 70_000)) + 2 * big + 1);
    expect(root.writes.length).toBeLessThan(sent.length / 5);
  });

  it('a write the storage only partly keeps fails the file at close, even when it was gathered', async () => {
    useFakeOpfs((call, n) => (call === 1 ? n - 1 : n));
    const scratch = (await opfsScratch())!;
    const file = await scratch.create('layer');
    for (let i = 0; i < 50; i++) await file.write(new Uint8Array(40_000).fill(i));
    const err = await file.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LwError);
    expect((err as LwError).code).toBe('write-failed');
    expect((err as LwError).message).toMatch(/accepted only \d+ of \d+ bytes/);
  });

  it('a storage that refuses bytes (quota) fails with write-failed, and abort removes the file', async () => {
    const root = useFakeOpfs(() => 'throw');
    const scratch = (await opfsScratch())!;
    const file = await scratch.create('big');
    const err = await file.write(new Uint8Array(2 << 20)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as LwError).code).toBe('write-failed');
    expect((err as LwError).message).toMatch(/it may be full/);
    const session = [...root.dirs.values()][0].dirs.values().next().value!;
    expect(session.files.size).toBe(1);
    await file.abort();
    expect(session.files.size).toBe(0);
  });
});
