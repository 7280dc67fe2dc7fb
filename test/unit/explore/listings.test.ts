// ListingCache: a layer is read once per archive; a failed or cancelled read is not kept; one waiter giving up
// does not cancel the read another one still waits for.

import { describe, expect, it } from 'vitest';
import { ListingCache } from '../../../src/engine/ops/explore/listings';
import { LwError } from '../../../src/engine/errors';
import { dir, file, layer, openBuilt } from '../layers/fixtures';

async function counted() {
  const { archive } = await openBuilt({ layers: [await layer([dir('./'), file('./a', 'aa')]), await layer([file('b', 'bbb')])] });
  let reads = 0;
  for (const l of archive.images[0].layers) {
    const orig = l.uncompressed.bind(l);
    l.uncompressed = (o) => (reads++, orig(o));
  }
  return { archive, reads: () => reads };
}

describe('ListingCache', () => {
  it('reads each layer once, however many times and by however many callers it is asked for', async () => {
    const { archive, reads } = await counted();
    const cache = new ListingCache(archive);
    const [a, b] = await Promise.all([cache.get(0, 1), cache.get(0, 1)]);
    expect(a).toBe(b);
    expect(a.map((e) => e.path)).toEqual(['b']);
    expect(await cache.get(0, 1)).toBe(a);
    expect(reads()).toBe(1);
    const all = await cache.all(0);
    expect(all.map((l) => l.map((e) => e.path))).toEqual([['', 'a'], ['b']]);
    expect(reads()).toBe(2);
    expect(cache.has(0, 0) && cache.has(0, 1)).toBe(true);
  });

  it('cancels the read only when every waiter gave up, and then forgets it', async () => {
    const { archive, reads } = await counted();
    const cache = new ListingCache(archive);
    const one = new AbortController();
    const two = new AbortController();
    const p1 = cache.get(0, 0, { signal: one.signal });
    const p2 = cache.get(0, 0, { signal: two.signal });
    one.abort();
    await expect(p1).rejects.toMatchObject({ code: 'cancelled' });
    expect((await p2).map((e) => e.path)).toEqual(['', 'a']); // the other waiter still got it
    expect(reads()).toBe(1);

    const lone = new AbortController();
    const p3 = cache.get(0, 1, { signal: lone.signal });
    lone.abort();
    await expect(p3).rejects.toBeInstanceOf(LwError);
    await new Promise((r) => setTimeout(r, 20));
    expect(cache.has(0, 1)).toBe(false); // cancelled read dropped: the next request reads again
    expect((await cache.get(0, 1)).map((e) => e.path)).toEqual(['b']);
  });

  it('does not keep a failed listing', async () => {
    const { archive } = await openBuilt({ layers: [await layer([file('./a', 'aa')])] });
    const cache = new ListingCache(archive);
    await expect(cache.get(0, 5)).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(cache.has(0, 5)).toBe(false);
  });
});
