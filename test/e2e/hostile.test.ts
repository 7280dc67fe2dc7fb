// Issue 12 in the page: hostile inputs made by the hostile corpus's own generators end, quickly, in plain words
// (never an error code alone or a stack trace), and the page stays usable: after each one the sample image opens
// and shows its layers, in the same page and the same engine worker (no reload).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startApp, type App } from './harness';
import { tempDir } from '../fixtures/tools';
import * as G from '../hostile/gen';
import { rows } from '../hostile/rows';
import { MAX_INDEX_DOCUMENTS } from '../../src/engine/oci/walk';

let app: App;
let page: Page;
let tmp: string;

/** The corpus's input for this row (generated once, in our temp dir). */
function make(input: string): Promise<string> {
  const row = rows.find((r) => r.input === input);
  if (!row) throw new Error(`no hostile row "${input}"`);
  return row.make(tmp, G);
}

beforeAll(async () => {
  tmp = tempDir('e2e-hostile');
  app = await startApp();
  page = app.page;
  await page.goto(app.url);
});

afterAll(async () => {
  await app?.close();
});

async function open(path: string): Promise<void> {
  await page.getByLabel('Open image', { exact: true }).setInputFiles(path);
}

/** Nothing the page shows is an exception name, a stack frame or the worker-crash wording (codes may show beside words). */
async function noInternals(): Promise<void> {
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/\b(TypeError|RangeError|ReferenceError|Uncaught)\b|\bat \S+ \(|\.ts:\d+|\.js:\d+/);
  expect(text).not.toContain('failed unexpectedly');
}

/** Back to the start screen (dismissing an alert if one is shown), then the sample image shows its layers. */
async function stillUsable(): Promise<void> {
  const another = page.getByRole('button', { name: 'Open another image' });
  if (await another.count()) await another.click();
  const dismiss = page.getByRole('alert').getByRole('button', { name: 'Dismiss' });
  if (await dismiss.count()) await dismiss.click();
  await page.getByRole('button', { name: 'Try the sample image' }).click();
  await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();
  const table = page.getByRole('table', { name: /Layers/ });
  await table.waitFor();
  expect(await table.locator('tbody tr').count()).toBe(3);
  await page.getByRole('button', { name: 'Open another image' }).click();
  await page.getByRole('heading', { name: 'Drop a container image here' }).waitFor();
}

describe('hostile input in the page', () => {
  it('a zstd layer of 10 GiB of zeros: diagnosis and Verify say it is a decompression bomb, in words', async () => {
    const path = await make('zstd layer of 10 GiB of zeros (330 KB stored)');
    const t0 = Date.now();
    await open(path);
    await page.getByRole('heading', { name: 'zstd-bomb.tar' }).waitFor();
    // The automatic diagnosis names the problem in words.
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText(/decompression bomb/i).first().waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const integrity = page.getByRole('region', { name: 'Integrity' });
    await integrity.getByText(/unpacks to far more data than it stores/).first().waitFor({ timeout: 60_000 });
    expect(Date.now() - t0).toBeLessThan(60_000);
    await noInternals();
    await stillUsable();
  });

  it('an index DAG of 10^12 paths opens quickly and lists its one image', async () => {
    const path = await make('index DAG, K=100, depth 6 (10^12 paths to one manifest)');
    const t0 = Date.now();
    await open(path);
    await page.getByRole('heading', { name: /dag-100-6\.tar/ }).waitFor({ timeout: 30_000 });
    const layers = page.getByRole('table', { name: /Layers/ });
    await layers.waitFor();
    expect(await layers.locator('tbody tr').count()).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
    await noInternals();
    await stillUsable();
  });

  it(`indexes listing more than ${MAX_INDEX_DOCUMENTS} documents: a too-large alert in words`, async () => {
    // The smallest input that trips too-large without a lower limit (the page cannot set one): an index.json
    // naming MAX_INDEX_DOCUMENTS + 1 distinct manifests (about 3 MB).
    const fake = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
    const idx = G.indexJson(Array.from({ length: MAX_INDEX_DOCUMENTS + 1 }, (_, i) => ({ digest: fake(i), size: 300 })));
    const path = join(tmp, 'many-documents.tar');
    writeFileSync(path, G.concat([...G.layoutEntries(idx, []), G.END]));
    const t0 = Date.now();
    await open(path);
    const alert = page.getByRole('alert');
    await alert.getByText(/larger than the safety limits allow/).waitFor({ timeout: 30_000 });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(await alert.innerText()).toMatch(/Details: .*distinct documents/);
    await noInternals();
    await stillUsable();
  });

  it('the page made no foreign requests and logged no uncaught errors', () => {
    expect(app.foreign).toEqual([]);
    expect(app.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
  });
});
