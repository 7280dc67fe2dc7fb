// Issue 13: a sample of the gzip encoder's outputs (the property test's seeded cases, at every level, across chunk
// joins) must decode in Chromium's native DecompressionStream — the decoder the page itself reads layers with —
// to exactly the input (SHA-256 compared in the page with WebCrypto).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encode, makeCase } from '../unit/compress/property';
import { startApp, type App } from './harness';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

it('decodes a sample of encoder outputs in Chromium to their inputs', async () => {
  const { page } = app;
  await page.goto(app.url);
  const cases: { seed: number; gz: string; sha: string }[] = [];
  const levels = new Set<number>();
  // Seeds picked by a stride so the sample spans kinds, levels, chunk sizes and multi-chunk inputs.
  for (let seed = 7; cases.length < 80; seed += 61) {
    const c = makeCase(seed);
    const gz = await encode(c.data, c.level, c.chunkSize, c.pushes);
    levels.add(c.level);
    cases.push({ seed, gz: gz.toString('base64'), sha: createHash('sha256').update(c.data).digest('hex') });
  }
  expect(levels.size).toBe(10);
  const results = await page.evaluate(async (list) => {
    const out: { seed: number; sha: string; error?: string }[] = [];
    for (const c of list) {
      try {
        const bytes = Uint8Array.from(atob(c.gz), (ch) => ch.charCodeAt(0));
        const plain = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
        const h = new Uint8Array(await crypto.subtle.digest('SHA-256', plain));
        out.push({ seed: c.seed, sha: Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('') });
      } catch (e) {
        out.push({ seed: c.seed, sha: '', error: String(e) });
      }
    }
    return out;
  }, cases);
  expect(results).toEqual(cases.map((c) => ({ seed: c.seed, sha: c.sha })));
  expect(app.foreign).toEqual([]);
});
