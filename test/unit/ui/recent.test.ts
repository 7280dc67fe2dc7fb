// Recent images' storage rules (src/ui/recent.ts) over an in-memory idb-keyval: one entry per file (name, size,
// last-modified), newest first, at most RECENT_MAX, a known handle kept when the file is opened again without one.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const store = new Map<string, unknown>();
vi.mock('idb-keyval', () => ({
  get: async (k: string) => structuredClone(store.get(k)),
  set: async (k: string, v: unknown) => void store.set(k, structuredClone(v)),
  del: async (k: string) => void store.delete(k),
}));

const { RECENT_MAX, forgetAllRecent, forgetRecent, listRecent, recentId, rememberRecent, updateRecent } = await import('../../../src/ui/recent');

const entry = (name: string, openedAt: number, extra: object = {}) => ({ name, size: 100, lastModified: 5, digests: ['sha256:aa'], openedAt, ...extra });

describe('recent images', () => {
  beforeEach(() => store.clear());

  it('keeps one entry per file, newest first, and the handle it already had', async () => {
    const handle = { kind: 'file', name: 'a.tar' } as unknown as FileSystemFileHandle;
    await rememberRecent(entry('a.tar', 1, { handle }));
    await rememberRecent(entry('b.tar', 2));
    await rememberRecent(entry('a.tar', 3)); // opened again through the plain input: no handle this time
    const list = await listRecent();
    expect(list.map((r) => r.name)).toEqual(['a.tar', 'b.tar']);
    expect(list[0].handle).toEqual(handle);
    expect(list[0].id).toBe(recentId({ name: 'a.tar', size: 100, lastModified: 5 }));
    expect('handle' in list[1]).toBe(false);
  });

  it('updates the problem summary, forgets one or all, and keeps at most RECENT_MAX', async () => {
    for (let i = 0; i < RECENT_MAX + 3; i++) await rememberRecent({ ...entry(`i${i}.tar`, i), lastModified: i });
    let list = await listRecent();
    expect(list).toHaveLength(RECENT_MAX);
    expect(list[0].name).toBe(`i${RECENT_MAX + 2}.tar`);
    await updateRecent(list[0].id, { problems: '2 problems' });
    await forgetRecent(list[1].id);
    list = await listRecent();
    expect(list[0].problems).toBe('2 problems');
    expect(list).toHaveLength(RECENT_MAX - 1);
    expect(list.some((r) => r.name === `i${RECENT_MAX + 1}.tar`)).toBe(false);
    await forgetAllRecent();
    expect(await listRecent()).toEqual([]);
  });
});
