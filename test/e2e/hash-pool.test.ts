// Issue 11: in the page, layers of 8 MiB or more are hashed (stored digest and diff_id) in the engine's Web Worker
// pool, not in the thread that inflates them. Their digests must be exactly those Node computes (the image's own
// descriptors and diff_ids): a gzip layer and a plain tar layer verify clean, and a wrong diff_id is still found.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { file, layer, layoutFiles } from '../unit/layers/fixtures';
import { ROOT, startApp, type App } from './harness';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

/** Seeded pseudo-random text: compresses a little, so inflate and both hashes all have work to do. */
function text(seed: number, bytes: number): string {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = 97 + ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 28);
  return Buffer.from(out).toString('latin1');
}

async function image(name: string, wrongDiffId: boolean): Promise<string> {
  const dir = join(ROOT, '.tmp/e2e-hash-pool');
  mkdirSync(dir, { recursive: true });
  const gz = await layer([file('usr/share/a', text(1, 12 << 20)), file('usr/share/b', text(2, 3 << 20))]);
  const plain = await layer([file('opt/c', text(3, 10 << 20))], 'none');
  expect(gz.bytes.length).toBeGreaterThan(8 << 20); // both layers go through the pool
  const built = await layoutFiles({
    layers: [gz, plain],
    config: wrongDiffId ? (c) => void ((c.rootfs as { diff_ids: string[] }).diff_ids[0] = 'sha256:' + '0'.repeat(64)) : undefined,
  });
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
  return path;
}

it('verifies large layers hashed in the worker pool to the digests Node computes', async () => {
  const { page } = app;
  await page.goto(app.url);
  await page.getByLabel('Open image', { exact: true }).setInputFiles(await image('pool-ok.tar', false));
  await page.getByRole('heading', { name: 'pool-ok.tar' }).waitFor();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.getByText(/Verified: 4 blobs OK/).waitFor({ timeout: 120_000 });
  // Verify writes nothing: pool workers (workers/deflate.worker.ts) were started for the hashes alone.
  expect(page.workers().filter((w) => /deflate\.worker/.test(w.url())).length).toBeGreaterThan(0);

  await page.goto(app.url);
  await page.getByLabel('Open image', { exact: true }).setInputFiles(await image('pool-bad.tar', true));
  await page.getByRole('heading', { name: 'pool-bad.tar' }).waitFor();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'problem' });
  await alert.waitFor({ timeout: 120_000 });
  expect(await alert.innerText()).toMatch(/diff_id|uncompressed/i);
  expect(app.foreign).toEqual([]);
  expect(app.problems).toEqual([]);
}, 300_000);
