// The Build view end to end (issue 4), in headless Chromium against the production build: base = the bundled
// sample image opened in Inspect, app rootfs = a merged-usr tarball the test makes; live CMD preview and the
// unbalanced-quote error at the field; Build image → the new image opens in the normal view; presets persist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startApp, type App } from './harness';
import { tarBlob } from '../../src/engine/tar/writer';

const DIR = join(ROOT, '.tmp/e2e-build');
let app: App;
let appTar: string;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  const enc = new TextEncoder();
  const script = enc.encode('#!/bin/sh\necho hello from app\n');
  const h = { uid: 0, gid: 0, mtime: 1_700_000_000 };
  const blob = tarBlob([
    { header: { ...h, path: './', type: 'dir', mode: 0o755 } },
    { header: { ...h, path: './bin', type: 'symlink', linkpath: 'usr/bin', mode: 0o777 } },
    { header: { ...h, path: './usr/', type: 'dir', mode: 0o755 } },
    { header: { ...h, path: './usr/bin/', type: 'dir', mode: 0o755 } },
    { header: { ...h, path: './usr/bin/hello', type: 'file', mode: 0o755, size: script.length }, body: script },
  ]);
  appTar = join(DIR, 'app-rootfs.tar');
  writeFileSync(appTar, new Uint8Array(await blob.arrayBuffer()));
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
});

describe('Build view', () => {
  it('builds the sample image + an app rootfs into a new image that opens in the normal view', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(join(ROOT, 'dist/sample/sample-image.tar'));
    await page.getByRole('heading', { name: 'sample-image.tar' }).waitFor();
    const baseLayers = await page.getByRole('table', { name: /Layers/ }).locator('tbody tr').count();

    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByRole('heading', { name: 'Build an image' }).waitFor();
    // The defaults prefilled; the Tag field starts empty (typing must not append to a pre-filled `latest`).
    expect(await page.getByLabel('CMD', { exact: true }).inputValue()).toBe('/bin/sh');
    expect(await page.getByLabel('ENTRYPOINT', { exact: true }).inputValue()).toBe('');
    expect(await page.getByLabel('Tag', { exact: true }).inputValue()).toBe('');
    expect(await page.getByLabel('Tag', { exact: true }).getAttribute('placeholder')).toBe('latest');

    // Unbalanced quotes: an error at the field, Build disabled; fixed: live JSON preview.
    await page.getByLabel('CMD', { exact: true }).fill('sh -c "echo hi');
    await page.getByText(/the double quote at position 7 is never closed/).first().waitFor();
    expect(await page.getByLabel('CMD', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('App rootfs').setInputFiles(appTar);
    expect(await page.getByRole('button', { name: 'Build image' }).isDisabled()).toBe(true);
    await page.getByLabel('CMD', { exact: true }).fill('/usr/bin/hello --greet "big world"');
    await page.getByText('["/usr/bin/hello","--greet","big world"]').waitFor();

    await page.getByLabel('Env', { exact: true }).fill('GREETING=hi there');
    await page.getByLabel('Labels', { exact: true }).fill('org.example.team=build and ship');
    await page.getByLabel('Ports', { exact: true }).fill('8080');
    // A space is an error under the field, never a silent split into two tags.
    await page.getByLabel('Tag', { exact: true }).fill('My App:1.0');
    await page.getByText('“My App:1.0” contains a space').waitFor();
    expect(await page.getByLabel('Tag', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Tag', { exact: true }).fill('MyApp:1.0');
    await page.getByText(/repository part “MyApp” must be lowercase/).waitFor();
    await page.getByLabel('Tag', { exact: true }).fill('myapp:1.0');
    await page.getByLabel('SOURCE_DATE_EPOCH').fill('1700000000');
    await page.getByRole('checkbox', { name: /merged-usr app on a classic base/ }).check();

    await page.getByRole('button', { name: 'Build image' }).click();
    // The result stays on the Build view, with its own Download; the base is still the base.
    await page.getByRole('heading', { name: 'Last build' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('group', { name: 'Base image' }).innerText()).toContain('sample-image.tar');
    await page.getByRole('region', { name: 'Last build' }).getByRole('button', { name: 'Download' }).waitFor();
    await page.getByRole('button', { name: 'Show the built image in Inspect' }).click();
    await page.getByRole('heading', { name: 'myapp_1.0-oci.tar' }).waitFor({ timeout: 30_000 });
    const rows = await page.getByRole('table', { name: /Layers/ }).locator('tbody tr').count();
    expect(rows).toBe(baseLayers + 1);
    const config = await page.getByRole('region', { name: 'Config' }).innerText();
    expect(config).toContain('["/usr/bin/hello","--greet","big world"]');
    expect(config).toContain('GREETING=hi there');
    expect(config).toContain('build and ship');
    expect(await page.getByText('myapp:1.0', { exact: true }).count()).toBeGreaterThan(0);

    // The report stays on the Build view, and the base did not become the image just built.
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByRole('heading', { name: 'Last build' }).waitFor();
    expect(await page.getByRole('group', { name: 'Base image' }).innerText()).toContain('sample-image.tar');
    expect(app.foreign).toEqual([]);
  });

  it('saves a preset in IndexedDB and re-applies it after a reload', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByLabel('ENTRYPOINT', { exact: true }).fill('/usr/bin/tini --');
    await page.getByLabel('Working dir').fill('/srv');
    await page.getByRole('checkbox', { name: /merged-usr app on a classic base/ }).check();
    await page.getByLabel('Preset name').fill('my app');
    await page.getByRole('button', { name: 'Save preset' }).click();
    await page.getByText('Saved “my app” in this browser.').waitFor();

    await page.reload();
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    expect(await page.getByLabel('ENTRYPOINT', { exact: true }).inputValue()).toBe('');
    await page.getByLabel('Preset', { exact: true }).selectOption('my app');
    await page.getByRole('button', { name: 'Apply preset' }).click();
    expect(await page.getByLabel('ENTRYPOINT', { exact: true }).inputValue()).toBe('/usr/bin/tini --');
    expect(await page.getByLabel('Working dir').inputValue()).toBe('/srv');
    expect(await page.getByRole('checkbox', { name: /merged-usr app on a classic base/ }).isChecked()).toBe(true);
    await page.getByText('["/usr/bin/tini","--"]').waitFor();
    // Service-worker registration is the offline suite's business (test/e2e/offline.test.ts), not this one's.
    expect(app.problems.filter((p) => !/ServiceWorker|unsupported MIME type/.test(p))).toEqual([]);
  });
});
