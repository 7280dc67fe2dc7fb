// Rapid interactions while jobs run, in headless Chromium against the production build: open a big image, click
// Verify while the automatic diagnose still reads it, switch layers in Files (single layer, merged, back), open
// another image mid-run, several rounds. No uncaught page error or console error may appear (an $effect that
// re-triggers itself shows up as Svelte's effect_update_depth_exceeded), and the final image shows the right
// state: Verified, its problem listed, the Files listing of the layer last chosen.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startApp, type App } from './harness';
import { makeFixtures, type Fixtures } from './fixtures';

let app: App;
let fx: Fixtures;

beforeAll(async () => {
  app = await startApp();
  fx = await makeFixtures();
});
afterAll(async () => {
  await app?.close();
});

async function open(page: Page, path: string, heading: string | RegExp): Promise<void> {
  const another = page.getByRole('button', { name: 'Open another image' });
  if (await another.count()) await another.click();
  await page.getByLabel('Open image', { exact: true }).setInputFiles(path);
  await page.getByRole('heading', { name: heading }).waitFor();
}

it('survives Verify, layer switches and a new image while diagnose and verify run', async () => {
  const { page } = app;
  await page.goto(app.url);
  const verify = page.getByRole('button', { name: 'Verify', exact: true });
  const layer = page.getByLabel('Layer', { exact: true });
  const problems = page.getByRole('region', { name: 'Problems' });

  const big: [string, RegExp][] = [
    [fx.big, /^big-/],
    [fx.huge, /^huge-/],
    [fx.big, /^big-/],
  ];
  for (const [path, heading] of big) {
    await open(page, path, heading);
    // Immediately, while the automatic diagnose is reading the layer.
    await verify.click();
    await layer.selectOption('0');
    await layer.selectOption('merged');
    await layer.selectOption('0');
    // Another image mid-run: the sample, straight away clicked through the same way.
    await open(page, fx.sample, 'sample-image.tar');
    await verify.click();
    await layer.selectOption('2');
    await layer.selectOption('merged');
  }
  // A last big one left running, then the sample to finish on.
  await open(page, fx.huge, /^huge-/);
  await verify.click();
  await open(page, fx.sample, 'sample-image.tar');
  await verify.click();
  await layer.selectOption('merged');
  await layer.selectOption('2');

  await page.getByText(/Verified: 5 blobs OK/).waitFor({ timeout: 30_000 });
  await problems.getByText('whiteout-under-non-directory').first().waitFor({ timeout: 30_000 });
  expect(await problems.innerText()).toContain('Docker will refuse this image: 3 whiteouts under bin');
  await page.getByRole('table', { name: 'Files in layer 2' }).waitFor({ timeout: 30_000 });
  expect(await layer.inputValue()).toBe('2');
  // No job left running: no progress bar anywhere.
  await expect.poll(() => page.getByRole('progressbar').count(), { timeout: 30_000 }).toBe(0);
  // Let any late worker message (a cancelled job's last progress) land before looking for errors.
  await page.waitForTimeout(500);

  expect(app.foreign).toEqual([]);
  expect(app.problems.filter((p) => !/ServiceWorker|unsupported MIME type/.test(p))).toEqual([]);
});
