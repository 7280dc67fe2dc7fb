// The Files region end to end, in headless Chromium against the production build: open the sample image, list a
// layer (its whiteouts badged), filter, switch to the merged filesystem, save one file (the download's bytes are
// checked), and list + scroll a 100k-entry layer to the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { tarBlob } from '../../src/engine/tar/writer';
import type { TarHeaderInput } from '../../src/engine/tar/types';
import { ROOT, startApp, type App } from './harness';
import { layoutFiles, type BuiltLayer } from '../unit/layers/fixtures';
import { sha256Bytes } from '../../src/engine/digest/index';
import { MediaType } from '../../src/engine/oci/types';

const DIR = join(ROOT, '.tmp/e2e-files');
const MANY = 100_000;
let app: App;
let sample: string;
let many: string;

/** One layer of MANY entries: 1,000 directories of 99 empty files each (and a marker file at the end). */
async function makeMany(path: string): Promise<void> {
  if (existsSync(path)) return;
  const files: { header: TarHeaderInput }[] = [];
  for (let d = 0; files.length < MANY - 1; d++) {
    files.push({ header: { path: `data/d${String(d).padStart(4, '0')}/`, type: 'dir', mode: 0o755, mtime: 1700000000 } });
    for (let f = 0; f < 99 && files.length < MANY - 1; f++)
      files.push({ header: { path: `data/d${String(d).padStart(4, '0')}/f${String(f).padStart(2, '0')}`, type: 'file', size: 0, mode: 0o644, mtime: 1700000000 } });
  }
  files.push({ header: { path: 'zz-last-entry', type: 'file', size: 0, mode: 0o600 } });
  const tar = new Uint8Array(await tarBlob(files).arrayBuffer());
  const gz = gzipSync(tar, { level: 1, mtime: 0 });
  const layer: BuiltLayer = { bytes: gz, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(gz), size: gz.length } };
  const built = await layoutFiles({ layers: [layer] });
  writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
}

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  app = await startApp(); // builds dist/ (and its sample image) when stale
  sample = join(DIR, 'sample-image.tar');
  copyFileSync(join(ROOT, 'dist/sample/sample-image.tar'), sample);
  many = join(DIR, `many-${MANY}.tar`);
  await makeMany(many);
});

afterAll(async () => {
  await app?.close();
});

describe('Files', () => {
  it('lists a layer with whiteouts badged, filters, shows the merged tree and saves a file', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(sample);
    await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();

    const files = page.getByRole('region', { name: 'Files' });
    const select = files.getByLabel('Layer', { exact: true });
    const options = await select.locator('option').allInnerTexts();
    expect(options.at(-1)).toBe('Merged (all layers)');
    expect(options.filter((o) => o.startsWith('Layer '))).toHaveLength(3);

    // The app layer: the symlink and the seed's whiteouts under it.
    await select.selectOption('2');
    const table = files.getByRole('table', { name: 'Files in layer 2' });
    await table.waitFor();
    const rows = table.getByRole('row');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    const text = await table.innerText();
    expect(text).toContain('bin/.wh.cat');
    expect(text).toContain('deletes bin/cat');
    expect(text).toContain('→ usr/bin');
    expect(await table.getByText('whiteout', { exact: true }).count()).toBe(3);
    expect(await files.getByRole('status').first().innerText()).toMatch(/13\s+entries/);

    // Filter: a substring of the path.
    await files.getByLabel('Filter files').fill('.wh.');
    await expect.poll(() => rows.count()).toBe(1 + 3);
    expect(await files.getByRole('status').first().innerText()).toMatch(/^3 of 13\s+entries$/);
    await files.getByLabel('Filter files').fill('');

    // Merged: what a container sees. bin is the symlink from layer 2; base bin/* are gone; etc/motd from layer 1.
    await select.selectOption({ label: 'Merged (all layers)' });
    const mergedTable = files.getByRole('table', { name: 'Files of the merged filesystem' });
    await mergedTable.waitFor();
    const mrows = mergedTable.getByRole('row');
    await expect.poll(() => mrows.count()).toBeGreaterThan(10);
    const all = await mrows.allInnerTexts();
    const rowOf = (p: string) => all.find((r) => r.split('\n').some((c) => c.trim() === p || c.trim() === `${p}/`));
    expect(rowOf('bin')).toMatch(/symlink[\s\S]*→ usr\/bin[\s\S]*\b2\b/);
    expect(rowOf('etc/motd')).toMatch(/\b1\b/);
    expect(rowOf('bin/cat')).toBeUndefined();
    expect(await mergedTable.getByText('whiteout', { exact: true }).count()).toBe(0);

    // Save one file: the download holds exactly its bytes, under its base name.
    await files.getByLabel('Filter files').fill('os-release');
    await expect.poll(() => mrows.count()).toBe(2);
    const [dl] = await Promise.all([page.waitForEvent('download'), mergedTable.getByRole('button', { name: 'Save file etc/os-release' }).click()]);
    expect(dl.suggestedFilename()).toBe('os-release');
    const saved = join(DIR, 'os-release');
    await dl.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe('NAME="Sample Linux"\nID=sample\nVERSION_ID=1.0\n');
    await files.getByText(/Saved os-release \(\d+ B\) from layer 0/).waitFor();
    expect(app.problems).toEqual([]);
    expect(app.foreign).toEqual([]);
  });

  it(`lists a ${MANY.toLocaleString('en')}-entry layer and scrolls to its last entry`, async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(many);
    await page.getByRole('heading', { name: /^many-/ }).waitFor();
    const files = page.getByRole('region', { name: 'Files' });
    const t0 = Date.now();
    await files.getByLabel('Layer', { exact: true }).selectOption('0');
    const table = files.getByRole('table', { name: 'Files in layer 0' });
    await table.waitFor({ timeout: 30_000 });
    const ms = Date.now() - t0;
    console.log(`Files e2e: listed ${MANY} entries in ${ms} ms (${Math.round(MANY / (ms / 1000))} entries/s, incl. transfer + render)`);
    expect(await files.getByRole('status').first().innerText()).toContain(MANY.toLocaleString('en'));
    // Only a window of rows is in the DOM.
    expect(await table.getByRole('row').count()).toBeLessThan(80);
    const scroller = table.getByRole('rowgroup', { name: 'Entries' });
    const s0 = Date.now();
    await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await table.getByText('zz-last-entry').waitFor();
    console.log(`Files e2e: scrolled to the end in ${Date.now() - s0} ms`);
    await files.getByLabel('Filter files').fill('d0998/f98');
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(app.problems).toEqual([]);
  });
});
