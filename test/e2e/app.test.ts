// The first screen end to end, in headless Chromium against the production build.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, startApp, type App } from './harness';
import { makeFixtures, type Fixtures } from './fixtures';

let app: App;
let fx: Fixtures;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  fx = await makeFixtures();
});

afterAll(async () => {
  await app?.close();
});

beforeEach(async () => {
  page = app.page;
  await page.goto(app.url);
  await page.getByRole('heading', { name: 'Drop a container image here' }).waitFor();
});

async function openFile(path: string): Promise<void> {
  await page.getByLabel('Open image', { exact: true }).setInputFiles(path);
}

async function layerRows(): Promise<string[]> {
  const table = page.getByRole('table', { name: /Layers/ });
  await table.waitFor();
  return table.locator('tbody tr').allInnerTexts();
}

describe('first screen', () => {
  it('serves a Content-Security-Policy that allows only its own origin', async () => {
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain("default-src 'self'");
    expect(meta).toContain("connect-src 'self';");
    expect(meta).toContain("script-src 'self';");
    expect(meta).toContain("object-src 'none'");
    const res = await page.request.get(app.url);
    expect(res.headers()['content-security-policy']).toBe(meta);
  });

  it('opens an image through the file input labelled "Open image" and verifies it', async () => {
    await openFile(fx.sample);
    await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();
    const rows = await layerRows();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/OCI tar\+gzip/);
    expect(await page.getByText('latest', { exact: true }).count()).toBeGreaterThan(0);
    // The config is readable: CMD from the image.
    expect(await page.getByRole('region', { name: 'Config' }).innerText()).toContain('["/bin/sh"]');

    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(/Verified: \d+ blobs OK/).waitFor();
    expect(await page.getByText(/Verified: \d+ blobs OK/).innerText()).toMatch(/Verified: 5 blobs OK/);
  });

  it('shows a progress bar with bytes, MB/s and ETA while verifying, and cancels', async () => {
    await openFile(fx.huge);
    await page.getByRole('heading', { name: /huge-/ }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    // The Integrity section's bar (other panels, e.g. Problems, may show their own).
    const bar = page.getByRole('region', { name: 'Integrity' }).getByRole('progressbar');
    await bar.waitFor();
    await page.waitForFunction(
      () => Number(document.querySelector('[aria-labelledby=verify-title] [role=progressbar]')?.getAttribute('aria-valuenow')) > 0,
    );
    expect(Number(await bar.getAttribute('aria-valuemax'))).toBeGreaterThanOrEqual(fx.hugeSize);
    expect(await bar.getAttribute('aria-valuetext')).toMatch(/ of 1.00 GB · .*MB\/s · .* left/);
    await page.getByRole('region', { name: 'Integrity' }).getByRole('button', { name: 'Cancel' }).click({ timeout: 5_000 });
    await page.getByRole('alert').getByText('Cancelled.', { exact: false }).first().waitFor();
    expect(await bar.count()).toBe(0);
  });

  it('verifies a 192 MiB layer to the end', async () => {
    await openFile(fx.big);
    await page.getByRole('heading', { name: /big-/ }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(/Verified: 3 blobs OK/).waitFor({ timeout: 45_000 });
  });

  it('opens a gzip-compressed layout, spooling big files into OPFS, and verifies it', async () => {
    await openFile(fx.bigGz);
    await page.getByRole('heading', { name: /\.tar\.gz$/ }).waitFor({ timeout: 45_000 });
    expect(await page.getByText('OCI layout in a gzip-compressed tar').count()).toBe(1);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(/Verified: 3 blobs OK/).waitFor({ timeout: 45_000 });
    // The 192 MiB layer went to the origin private file system, not to memory.
    const spooled = await page.evaluate(async () => {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('layerwright-scratch');
      let bytes = 0;
      for await (const session of (root as unknown as { values(): AsyncIterable<FileSystemDirectoryHandle> }).values())
        for await (const f of (session as unknown as { values(): AsyncIterable<FileSystemFileHandle> }).values())
          bytes += (await f.getFile()).size;
      return bytes;
    });
    expect(spooled).toBeGreaterThanOrEqual(fx.bigSize);
  });

  it('names the damaged blob in plain words when a digest does not match', async () => {
    await openFile(fx.corrupted);
    await page.getByRole('heading', { name: 'corrupted.tar' }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'problem' });
    await alert.waitFor();
    const text = await alert.innerText();
    const short = fx.corruptedBlob.slice(0, 'sha256:'.length + 12);
    expect(text).toContain(`Blob ${short}… is damaged or was changed: its content does not match the digest that names it.`);
    expect(text).toContain(fx.corruptedBlob);
    // The layer row is marked.
    expect(await page.locator('tr.bad').count()).toBe(1);
  });

  it('explains a file that is not an image', async () => {
    await openFile(join(ROOT, 'package.json'));
    const alert = page.getByRole('alert');
    await alert.getByText(/not a container image layerwright can read/).waitFor();
  });

  it('opens the sample with one click', async () => {
    await page.getByRole('button', { name: 'Try the sample image' }).click();
    await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();
    expect(await layerRows()).toHaveLength(3);
    // "Copy digest" puts the full digest on the clipboard.
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
    const manifestDigest = await page.locator('dd code').first().getAttribute('data-digest');
    await page.getByRole('button', { name: 'Copy digest' }).first().click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(manifestDigest);
    // "View JSON" shows the manifest as text.
    await page.getByText('View JSON').click();
    expect(await page.getByRole('region', { name: 'Manifest JSON' }).innerText()).toContain('"schemaVersion": 2');
  });

  it('opens an unpacked layout through "Open folder"', async () => {
    await page.getByLabel('Open folder', { exact: true }).setInputFiles(fx.folder);
    await page.getByRole('heading', { name: 'sample-folder' }).waitFor();
    expect(await layerRows()).toHaveLength(3);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(/Verified: 5 blobs OK/).waitFor();
  });

  it('offers an image picker for a multi-platform index', async () => {
    await openFile(fx.multi);
    await page.getByRole('heading', { name: 'multi-platform.tar' }).waitFor();
    const picker = page.getByRole('combobox', { name: 'Image' });
    expect(await picker.locator('option').allInnerTexts()).toEqual(['multi — linux/amd64', 'multi — linux/arm64/v8']);
    await picker.selectOption({ label: 'multi — linux/arm64/v8' });
    expect(await page.getByRole('region', { name: 'Config' }).innerText()).toContain('["/bin/hello-arm64"]');
  });

  it('opens a file dropped on the drop zone', async () => {
    // A synthetic drop: the DataTransfer is made in the page from the same-origin sample.
    const dt = await page.evaluateHandle(async () => {
      const blob = await (await fetch('/sample/sample-image.tar')).blob();
      const t = new DataTransfer();
      t.items.add(new File([blob], 'dropped.tar'));
      return t;
    });
    await page.dispatchEvent('section.drop', 'drop', { dataTransfer: dt });
    await page.getByRole('heading', { name: 'dropped.tar' }).waitFor();
    expect(await layerRows()).toHaveLength(3);
  });

  it('takes the README screenshot', async () => {
    await page.getByRole('button', { name: 'Try the sample image' }).click();
    await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(/Verified: 5 blobs OK/).waitFor();
    await page.getByText('Docker will refuse this image').waitFor();
    // The top of the image view: the sample's problem with its Fix, overview, verify result, the layers.
    // Written to docs/ only when asked (UPDATE_SCREENSHOT=1), so a test run never dirties the work tree.
    const dir = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs') : join(ROOT, '.tmp/e2e');
    mkdirSync(dir, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 1228 });
    await page.evaluate(() => document.fonts.ready);
    const shot = await page.screenshot({ path: join(dir, 'screenshot.png') });
    expect(shot.length).toBeGreaterThan(10_000);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('made no requests to other origins and logged no errors', () => {
    expect(app.foreign).toEqual([]);
    expect(app.problems).toEqual([]);
  });
});
