// The fix flow end to end (issue 3), in headless Chromium against the production build: open the seed-like broken
// image, read the Problems region, run Fix, see the before/after digests, Download (the fallback path: Playwright
// cannot drive showSaveFilePicker, so the page is made to lack it) and check the downloaded file with the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startApp, type App } from './harness';
import { layoutFiles } from '../unit/layers/fixtures';
import { layer } from '../unit/layers/fixtures';
import { APP, BASE, seedLayers } from '../unit/ops-fix/seedlike';
import { main } from '../../src/cli/main';

const DIR = join(ROOT, '.tmp/e2e-fix');
let app: App;
let broken: string;
let hidden: string;
let appLayerDigest: string;

function cliIO() {
  const out: string[] = [];
  return { out, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), stderrIsTTY: false } };
}

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  const { base, app: appLayer } = await seedLayers();
  appLayerDigest = appLayer.descriptor.digest;
  const built = await layoutFiles({ layers: [base, appLayer] });
  broken = join(DIR, 'broken.tar');
  writeFileSync(broken, new Uint8Array(await built.blob.arrayBuffer()));
  // The same defect, but the app does not ship usr/bin/sh: its bin -> usr/bin hides the config's Cmd /bin/sh.
  const noSh = await layoutFiles({ layers: [await layer(BASE), await layer(APP.filter((e) => e.path !== 'usr/bin/sh'))] });
  hidden = join(DIR, 'hidden.tar');
  writeFileSync(hidden, new Uint8Array(await noSh.blob.arrayBuffer()));
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
});

describe('Problems, Fix, Download', () => {
  it('shows why Docker rejects the image, fixes it, and downloads a docker-archive that diagnoses clean', async () => {
    const page = app.page;
    // The fallback download path (an object URL): what browsers without showSaveFilePicker use.
    await page.addInitScript(() => {
      delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
    });
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(broken);
    await page.getByRole('heading', { name: 'broken.tar' }).waitFor();

    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText('whiteout-under-non-directory').first().waitFor({ timeout: 30_000 });
    const text = await problems.innerText();
    expect(text).toContain('failed to mknod("/bin/bash", S_IFCHR, 0)');
    expect(text).toContain('Docker will refuse this image');
    expect(text).not.toContain('`'); // code is rendered as code, never as Markdown backticks
    expect(text).toMatch(/Layer 1/);
    // The repairs are listed before anything runs; the optional carry-over is not chosen by default (the app ships
    // usr/bin/sh, so the image's command /bin/sh still resolves).
    expect(text).not.toContain('command-hidden');
    expect(await problems.getByRole('checkbox', { name: /drop-redundant-whiteouts/ }).isChecked()).toBe(true);
    expect(await problems.getByRole('checkbox', { name: /carry-over-hidden-files/ }).isChecked()).toBe(false);

    await problems.getByRole('button', { name: 'Fix', exact: true }).click();
    await page.getByRole('heading', { name: 'broken.tar (fixed)' }).waitFor({ timeout: 30_000 });
    const fixed = page.getByRole('region', { name: 'Problems' });
    const table = page.getByRole('region', { name: 'Fixed image' }).getByRole('table', { name: 'Rewritten blobs' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split(/\s/)[0])).toEqual(['Layer', 'config', 'manifest']);
    expect(rows[0]).toContain(appLayerDigest);
    expect(rows[0]).toContain('7 entries dropped');
    // The fixed image's own diagnosis: no errors left (the hidden-files warnings stay, with their optional fix).
    await fixed.getByText(/warning/).first().waitFor({ timeout: 30_000 });
    expect(await fixed.innerText()).not.toContain('whiteout-under-non-directory');

    const download = page.getByRole('region', { name: 'Download', exact: true });
    await download.getByLabel(/docker-archive/).check();
    const [dl] = await Promise.all([page.waitForEvent('download'), download.getByRole('button', { name: 'Download' }).click()]);
    expect(dl.suggestedFilename()).toBe('broken-fixed-docker.tar');
    const saved = join(DIR, 'downloaded.tar');
    await dl.saveAs(saved);
    expect(statSync(saved).size).toBeGreaterThan(0);
    await download.getByRole('status').filter({ hasText: /^Saved broken-fixed-docker\.tar \(\d/ }).waitFor();

    const v = cliIO();
    expect(await main(['verify', saved], v.io), v.out.join('')).toBe(0);
    const d = cliIO();
    expect(await main(['diagnose', saved, '--json'], d.io), d.out.join('')).toBe(0);
    expect(JSON.parse(d.out.join('')).filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);

    expect(app.foreign).toEqual([]);
    expect(app.problems).toEqual([]);
  });

  it('explains a hidden command, pre-checks the carry-over that brings it back, and the fixed image diagnoses clean', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(hidden);
    await page.getByRole('heading', { name: 'hidden.tar' }).waitFor();
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText('command-hidden').first().waitFor({ timeout: 30_000 });
    const text = await problems.innerText();
    expect(text).toContain("The image's command /bin/sh is hidden by layer 1's bin -> usr/bin");
    expect(text).toContain('exec: "/bin/sh": stat /bin/sh: no such file or directory');
    expect(text).toContain('Docker will refuse this image');
    expect(await problems.getByRole('checkbox', { name: /drop-redundant-whiteouts/ }).isChecked()).toBe(true);
    const carry = problems.getByRole('checkbox', { name: /carry-over-hidden-files/ });
    expect(await carry.isChecked()).toBe(true);
    expect(await problems.getByText(/Chosen by default because the image's command/).count()).toBe(1);
    expect(text).not.toMatch(/Carry hidden files over[^\n]*\(optional\)/);

    await problems.getByRole('button', { name: 'Fix', exact: true }).click();
    await page.getByRole('heading', { name: 'hidden.tar (fixed)' }).waitFor({ timeout: 30_000 });
    const fixed = page.getByRole('region', { name: 'Problems' });
    const table = page.getByRole('table', { name: 'Rewritten blobs' });
    await table.waitFor();
    expect((await table.locator('tbody tr').allInnerTexts())[0]).toMatch(/7 entries dropped.*carried over/);
    await fixed.getByText('No problems').waitFor({ timeout: 30_000 });

    expect(app.foreign).toEqual([]);
    expect(app.problems).toEqual([]);
  });
});
