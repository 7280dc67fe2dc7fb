// The File tree end to end, in headless Chromium against the production build, on an image the test builds with
// known contents: folder totals, sort by size, the WAI-ARIA tree keyboard (arrows, Home/End, type-ahead, expand,
// collapse) with aria-* checked, a whiteout shown as a removal, the Show filter on a layer that adds, changes and
// removes known paths, glob and leading-slash search, Find in all layers, Largest files, and a layer switch while
// scrolled (the tree must not go blank).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ROOT, startApp, type App } from './harness';
import { dir, file, layer, layoutFiles, wh, type E } from '../unit/layers/fixtures';
import { formatBytes } from '../../src/engine/units';
import { axeViolations } from './axe';

/** README screenshots: written to docs/ only when asked (UPDATE_SCREENSHOT=1), so a test run never dirties the tree. */
async function shot(region: Locator, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs') : join(ROOT, '.tmp/e2e-shots');
  mkdirSync(dir, { recursive: true });
  await region.page().evaluate(() => document.fonts.ready);
  const png = await region.screenshot({ path: join(dir, name) });
  expect(png.length).toBeGreaterThan(10_000);
}

const DIR = join(ROOT, '.tmp/e2e-tree');
let app: App;
let path: string;
const body = (n: number, c = 'x') => c.repeat(n);
const MANY = 2000;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  app = await startApp();
  const base: E[] = [
    dir('etc/'), file('etc/passwd', body(100)), file('etc/hosts', body(20)), dir('etc/ssl/'), file('etc/ssl/cert.pem', body(3000)),
    dir('etc/nginx/'), file('etc/nginx/nginx.conf', body(7)), file('usr/bin/big', body(50_000)), file('usr/bin/env', body(10)),
    file('usr/lib/libc.so.6', body(500)), file('bin/cat', body(1234)),
  ];
  // The app layer: adds etc/app.conf and opt/app/run, rewrites etc/hosts (longer), deletes bin/cat.
  const app1: E[] = [file('etc/app.conf', body(30)), file('etc/hosts', body(25, 'y')), wh('bin/.wh.cat'), file('opt/app/run', body(400))];
  const many: E[] = Array.from({ length: MANY }, (_, i) => file(`data/f${String(i).padStart(4, '0')}`, 'z'));
  const built = await layoutFiles({ layers: [await layer(base), await layer(app1), await layer(many)] });
  path = join(DIR, 'tree-image.tar');
  writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
});

afterAll(async () => {
  await app?.close();
});

async function open(page: Page): Promise<Locator> {
  await page.goto(app.url);
  await page.getByLabel('Open image', { exact: true }).setInputFiles(path);
  await page.getByRole('heading', { name: 'tree-image.tar' }).waitFor();
  return page.getByRole('region', { name: 'Files' });
}
/** A tree row's name cell as read on screen: 'etc/', 'hosts changed', 'cat removed'. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.querySelector('.label')?.textContent?.trim().replace(/\s+/g, ' ') ?? null);
const top = (tree: Locator) => tree.locator('[role=treeitem][aria-level="1"]').evaluateAll((els) => els.map((e) => e.querySelector('.label')?.textContent?.trim().replace(/\s+/g, ' ')));
/** A tree row by the start of its accessible name (its text: name, then badges and columns). */
const itemIn = (tree: Locator, name: string) => tree.getByRole('treeitem', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`) });

describe('File tree', () => {
  it('shows folder totals, sorts by size, and walks with the keyboard (WAI-ARIA tree pattern)', async () => {
    const page = app.page;
    const files = await open(page);
    await files.getByLabel('Layer', { exact: true }).selectOption('0');
    await files.getByRole('radiogroup', { name: 'View' }).getByLabel('Tree').check();
    const tree = files.getByRole('tree', { name: 'File tree' });
    await tree.waitFor();
    expect(await top(tree)).toEqual(['bin/', 'etc/', 'usr/']);
    const item = (name: string) => itemIn(tree, name);
    expect(await item('etc/').innerText()).toContain(formatBytes(100 + 20 + 3000 + 7));
    expect(await item('usr/').innerText()).toContain(formatBytes(50_000 + 10 + 500));
    expect(await item('etc/').getAttribute('aria-expanded')).toBe('false');
    // One tab stop.
    expect(await tree.locator('[role=treeitem][tabindex="0"]').count()).toBe(1);

    await files.getByLabel('Sort by').selectOption('size');
    await expect.poll(() => top(tree)).toEqual(['usr/', 'etc/', 'bin/']);
    expect([await item('usr/').getAttribute('aria-posinset'), await item('bin/').getAttribute('aria-posinset')]).toEqual(['1', '3']);
    await files.getByLabel('Sort by').selectOption('name');
    await expect.poll(() => top(tree)).toEqual(['bin/', 'etc/', 'usr/']);

    await item('bin/').focus();
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe('etc/');
    await page.keyboard.press('ArrowRight'); // expands
    await expect.poll(() => item('etc/').getAttribute('aria-expanded')).toBe('true');
    expect(await focused(page)).toBe('etc/');
    await page.keyboard.press('ArrowRight'); // first child: folders first
    expect(await focused(page)).toBe('nginx/');
    const nginx = item('nginx/');
    expect([await nginx.getAttribute('aria-level'), await nginx.getAttribute('aria-posinset'), await nginx.getAttribute('aria-setsize')]).toEqual(['2', '1', '4']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe('hosts');
    expect(await item('hosts').innerText()).toMatch(/-rw-r--r--[\s\S]*0:0/);
    await page.keyboard.press('ArrowLeft'); // a file: to its parent
    expect(await focused(page)).toBe('etc/');
    await page.keyboard.press('ArrowLeft'); // collapses
    await expect.poll(() => item('etc/').getAttribute('aria-expanded')).toBe('false');
    expect(await item('hosts').count()).toBe(0);
    await page.keyboard.press('End');
    expect(await focused(page)).toBe('usr/');
    await page.keyboard.press('Home');
    expect(await focused(page)).toBe('bin/');
    await page.keyboard.type('u'); // type-ahead
    expect(await focused(page)).toBe('usr/');
    expect(await tree.locator('[role=treeitem][tabindex="0"]').count()).toBe(1);
    // Enter selects: the file browser's selection (aria-selected) moves to it.
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => item('usr/').getAttribute('aria-expanded')).toBe('true');
    expect(await item('usr/').locator('.twisty').innerText()).toBe('▾');
    await page.keyboard.press('ArrowRight'); // usr/bin
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => item('usr/').getAttribute('aria-expanded')).toBe('true');
    expect(await item('usr/').locator('.twisty').innerText()).toBe('▾');
    await page.keyboard.press('ArrowRight'); // usr/bin/big
    expect(await focused(page)).toBe('big');
    await page.keyboard.press('Enter');
    await expect.poll(() => item('big').getAttribute('aria-selected')).toBe('true');
    await shot(files, 'screenshot-tree.png');
    const v = await axeViolations(page);
    expect(v, `axe-core on the File tree: ${JSON.stringify(v, null, 1)}`).toEqual([]);
    expect(app.problems).toEqual([]);
  });

  it('shows a whiteout as a removal and filters a layer by Added / Changed / Removed', async () => {
    const page = app.page;
    const files = await open(page);
    await files.getByLabel('Layer', { exact: true }).selectOption('1');
    await files.getByRole('radiogroup', { name: 'View' }).getByLabel('Tree').check();
    const tree = files.getByRole('tree', { name: 'File tree' });
    await tree.waitFor();
    await files.getByRole('button', { name: 'Expand all' }).click();
    const cat = itemIn(tree, 'cat removed');
    await cat.waitFor();
    expect(await cat.innerText()).toContain('removed by this layer');
    expect(await cat.innerText()).not.toMatch(/\b0 B\b/);

    const show = files.getByRole('radiogroup', { name: 'Show' });
    const names = () => tree.getByRole('treeitem').evaluateAll((els) => els.map((e) => e.querySelector('.label')?.textContent?.trim().replace(/\s+/g, ' ')));
    await show.getByLabel('Added').check();
    await expect.poll(names, { timeout: 30_000 }).toEqual(['etc/', 'app.conf added', 'opt/', 'app/', 'run added']);
    expect(await files.locator(".diff").innerText()).toBe("Layer 1 against the layers below it: 2 added (430 B) · 1 changed (25 B) · 1 removed (1.21 KB).");
    await show.getByLabel('Changed').check();
    await expect.poll(names).toEqual(['etc/', 'hosts changed']);
    expect(await itemIn(tree, 'hosts changed').innerText()).toMatch(/changed: size[\s\S]*content/);
    await show.getByLabel('Removed').check();
    await expect.poll(names).toEqual(['bin/', 'cat removed']);
    // Now the removal is known: in All, the whiteout says what the path was.
    await show.getByLabel('All').check();
    await files.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => itemIn(tree, 'cat removed').innerText()).toContain(`was file, ${formatBytes(1234)}`);
    expect(app.problems).toEqual([]);
  });

  it('searches with globs and a leading slash, across all layers, and lists the largest files', async () => {
    const page = app.page;
    const files = await open(page);
    const filter = files.getByLabel('Filter files');
    const status = files.getByRole('status').first();
    await files.getByLabel('Layer', { exact: true }).selectOption('0');
    const table = files.getByRole('table', { name: 'Files in layer 0' });
    await table.waitFor();
    const paths = async () => (await table.getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\n').map((c) => c.trim()).find((c) => /^[a-z]/.test(c) && c.includes('/')));
    await filter.fill('/etc/hosts');
    await expect.poll(paths).toEqual(['etc/hosts']);
    expect(await status.innerText()).toMatch(/^1 of 11\s+entries$/);
    await filter.fill('*.conf');
    await expect.poll(paths).toEqual(['etc/nginx/nginx.conf']);
    await filter.fill('**/*.so*');
    await expect.poll(paths).toEqual(['usr/lib/libc.so.6']);
    await filter.fill('/etc/*/*.conf');
    await expect.poll(paths).toEqual(['etc/nginx/nginx.conf']);

    // Find in all layers: layer 0 and layer 1 hold a *.conf; layer 1's removal of bin/cat is found by its path.
    await filter.fill('*.conf');
    await files.getByRole('button', { name: 'Find in all layers' }).click();
    const found = files.getByRole('region', { name: 'Found in layers' });
    await found.waitFor();
    expect(await found.getByRole('button').allInnerTexts()).toEqual(['Show layer 0', 'Show layer 1']);
    await filter.fill('/bin/cat');
    await files.getByRole('button', { name: 'Find in all layers' }).click();
    await expect.poll(() => found.innerText()).toMatch(/Show layer 0[\s\S]*Show layer 1\s*1 match \(1 removed\)/);
    await found.getByRole('button', { name: 'Show layer 1' }).click();
    await files.getByRole('table', { name: 'Files in layer 1' }).waitFor();
    await filter.fill('');

    // Largest files of the merged filesystem, largest first.
    await files.getByLabel('Layer', { exact: true }).selectOption({ label: 'Merged (all layers)' });
    const merged = files.getByRole('table', { name: 'Files of the merged filesystem' });
    await merged.waitFor();
    await files.getByRole('button', { name: 'Largest files' }).click();
    const first = merged.getByRole('row').nth(1);
    await expect.poll(() => first.innerText()).toContain('usr/bin/big');
    expect(await merged.getByRole('row').nth(2).innerText()).toContain('etc/ssl/cert.pem');
    expect(await status.innerText()).toMatch(/^Largest/);
    expect(app.problems).toEqual([]);
  });

  it('marks the diagnosis problems on the paths they name (the sample image: whiteouts under a symlink)', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(join(ROOT, 'dist/sample/sample-image.tar'));
    await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();
    await page.getByRole('region', { name: 'Problems' }).getByText(/whiteouts/).first().waitFor({ timeout: 30_000 });
    const files = page.getByRole('region', { name: 'Files' });
    await files.getByRole('radiogroup', { name: 'View' }).getByLabel('Tree').check();
    await files.getByLabel('Layer', { exact: true }).selectOption('2');
    const tree = files.getByRole('tree', { name: 'File tree' });
    await tree.waitFor();
    await files.getByRole('button', { name: 'Expand all' }).click();
    const names = () => tree.getByRole('treeitem').evaluateAll((els) => els.map((e) => e.querySelector('.label')?.textContent?.trim().replace(/\s+/g, ' ')));
    await expect.poll(names).toEqual(expect.arrayContaining(['cat removed problem', 'ls removed problem', 'sh removed problem']));
    expect((await names()).filter((n) => n?.endsWith('problem'))).toHaveLength(3);
    expect(app.problems).toEqual([]);
  });

  it('keeps showing rows when the layer changes while the tree is scrolled', async () => {
    const page = app.page;
    const files = await open(page);
    await files.getByRole('radiogroup', { name: 'View' }).getByLabel('Tree').check();
    await files.getByLabel('Layer', { exact: true }).selectOption('2');
    const tree = files.getByRole('tree', { name: 'File tree' });
    await tree.waitFor();
    await files.getByRole('button', { name: 'Expand all' }).click();
    await itemIn(tree, 'f0000').waitFor();
    await tree.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await itemIn(tree, `f${MANY - 1}`).waitFor();
    await files.getByLabel('Layer', { exact: true }).selectOption('0');
    await itemIn(tree, 'etc/').waitFor();
    expect(await tree.getByRole('treeitem').count()).toBe(3);
    // And the list view too.
    await files.getByRole('radiogroup', { name: 'View' }).getByLabel('List').check();
    await files.getByLabel('Layer', { exact: true }).selectOption('2');
    const table = files.getByRole('table', { name: 'Files in layer 2' });
    await table.waitFor();
    await table.getByRole('rowgroup', { name: 'Entries' }).evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await table.getByText(`data/f${MANY - 1}`).waitFor();
    await files.getByLabel('Layer', { exact: true }).selectOption('1');
    const t1 = files.getByRole('table', { name: 'Files in layer 1' });
    await expect.poll(() => t1.getByRole('row').count()).toBe(1 + 4);
    expect(app.problems).toEqual([]);
  });
});
