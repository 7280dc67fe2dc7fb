// Compare end to end, in headless Chromium against the production build: two images the test builds (the same
// base layer blob, different app layers) compared after opening the second one in the Compare region (the image
// on screen stays), and two layers of one image. Counts, the Show filter and what changed are checked against the
// known contents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { ROOT, startApp, type App } from './harness';
import { axeViolations } from './axe';

/** README screenshots: written to docs/ only when asked (UPDATE_SCREENSHOT=1), so a test run never dirties the tree. */
async function shot(region: Locator, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs') : join(ROOT, '.tmp/e2e-shots');
  mkdirSync(dir, { recursive: true });
  await region.page().evaluate(() => document.fonts.ready);
  const png = await region.screenshot({ path: join(dir, name) });
  expect(png.length).toBeGreaterThan(10_000);
}
import { dir, file, layer, layoutFiles, wh, type E } from '../unit/layers/fixtures';

const DIR = join(ROOT, '.tmp/e2e-compare');
let app: App;
let imageA: string;
let imageB: string;
const body = (n: number) => 'x'.repeat(n);

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  app = await startApp();
  const base = await layer([
    dir('etc/'), file('etc/passwd', body(100)), file('etc/hosts', body(20)), dir('bin/'), file('bin/sh', body(50)),
    dir('usr/'), dir('usr/share/'), dir('usr/share/doc/'), file('usr/share/doc/a', body(10)),
  ]);
  const appA: E[] = [file('etc/motd', body(5))];
  // B: hosts grows, passwd is written again with another mode, usr/share/doc is deleted, opt/x is new.
  const appB: E[] = [file('etc/hosts', body(30)), { path: 'etc/passwd', type: 'file', body: body(100), mode: 0o600 }, wh('usr/share/.wh.doc'), file('opt/x', body(7))];
  imageA = join(DIR, 'image-a.tar');
  imageB = join(DIR, 'image-b.tar');
  writeFileSync(imageA, new Uint8Array(await (await layoutFiles({ layers: [base, await layer(appA)] })).blob.arrayBuffer()));
  writeFileSync(imageB, new Uint8Array(await (await layoutFiles({ layers: [base, await layer(appB)] })).blob.arrayBuffer()));
});

afterAll(async () => {
  await app?.close();
});

describe('Compare', () => {
  it('compares the image on screen with a second image opened in the Compare region', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(imageA);
    await page.getByRole('heading', { name: 'image-a.tar' }).waitFor();
    const cmp = page.getByRole('region', { name: 'Compare' });
    await cmp.getByLabel('Compare with another image').setInputFiles(imageB);
    await cmp.getByText('Opened image-b.tar to compare with').waitFor({ timeout: 30_000 });
    expect(await cmp.getByLabel('Before').locator('option:checked').innerText()).toBe('This image: all layers');
    expect(await cmp.getByLabel('After').locator('option:checked').innerText()).toBe('image-b.tar: all layers');
    await cmp.getByRole('button', { name: 'Compare', exact: true }).click();
    const summary = cmp.getByRole('status');
    await expect.poll(() => summary.innerText(), { timeout: 30_000 }).toContain('2 added (7 B) · 2 changed (130 B) · 3 removed (15 B); 5 unchanged.');
    // The image on screen did not change.
    expect(await page.getByRole('heading', { name: 'image-a.tar' }).count()).toBe(1);

    const tree = cmp.getByRole('tree', { name: 'Differences' });
    const names = () => tree.getByRole('treeitem').evaluateAll((els) => els.map((e) => e.querySelector('.label')?.textContent?.trim().replace(/\s+/g, ' ')));
    const show = cmp.getByRole('radiogroup', { name: 'Show' });
    await expect.poll(names).toEqual(['etc/', 'hosts changed', 'motd removed', 'passwd changed', 'opt/ added', 'x added', 'usr/', 'share/', 'doc/ removed', 'a removed']);
    await show.getByLabel('Changed').check();
    await expect.poll(names).toEqual(['etc/', 'hosts changed', 'passwd changed']);
    expect(await tree.getByRole('treeitem', { name: /^passwd changed/ }).innerText()).toMatch(/-rw-------[\s\S]*changed: mode, written again \(content not compared\)/);
    expect(await tree.getByRole('treeitem', { name: /^hosts changed/ }).innerText()).toContain('changed: size, content');
    await show.getByLabel('Added').check();
    await expect.poll(names).toEqual(['opt/ added', 'x added']);
    await show.getByLabel('Removed').check();
    await expect.poll(names).toEqual(['etc/', 'motd removed', 'usr/', 'share/', 'doc/ removed', 'a removed']);
    await shot(cmp, 'screenshot-compare.png');
    const v = await axeViolations(page);
    expect(v, `axe-core on Compare: ${JSON.stringify(v, null, 1)}`).toEqual([]);
    expect(app.problems).toEqual([]);
  });

  it('compares two layers of one image', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(imageB);
    await page.getByRole('heading', { name: 'image-b.tar' }).waitFor();
    const cmp = page.getByRole('region', { name: 'Compare' });
    expect(await cmp.getByLabel('Before').locator('option:checked').innerText()).toBe('This image: merged after layer 0');
    expect(await cmp.getByLabel('After').locator('option:checked').innerText()).toBe('This image: all layers');
    await cmp.getByRole('button', { name: 'Compare', exact: true }).click();
    await expect.poll(() => cmp.getByRole('status').innerText(), { timeout: 30_000 }).toContain('2 added (7 B) · 2 changed (130 B) · 2 removed (10 B)');

    // The same layer in Files with Show: Removed (changes.ts): the deleted folder is one removal carrying its bytes.
    const files = page.getByRole('region', { name: 'Files' });
    await files.getByRole('radiogroup', { name: 'View' }).getByLabel('Tree').check();
    await files.getByLabel('Layer', { exact: true }).selectOption('1');
    await files.getByRole('radiogroup', { name: 'Show' }).getByLabel('Removed').check();
    const tree = files.getByRole('tree', { name: 'File tree' });
    const names = () => tree.getByRole('treeitem').evaluateAll((els) => els.map((e) => e.querySelector('.label')?.textContent?.trim().replace(/\s+/g, ' ')));
    await expect.poll(names, { timeout: 30_000 }).toEqual(['usr/', 'share/', 'doc/ removed']);
    expect(await tree.getByRole('treeitem', { name: /^doc\/ removed/ }).innerText()).toContain('10 B');
    expect(app.problems).toEqual([]);
  });
});
