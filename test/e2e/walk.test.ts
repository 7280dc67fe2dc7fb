// Issue 10's "Done when", walked as a person meets it, at desktop (1280×800) and phone (390×844) width: open the
// seed-style broken image → focus on its heading, verdict and Fix visible without scrolling → Fix → "Fixed — not saved
// yet" (announced, scrolled to) with Download beside it → Download with the save dialog missing, and with one that
// throws → "Saved NAME (SIZE)" and the file on disk diagnoses clean; Show original; Build → result and Download on the
// Build view, base unchanged. axe-core on every view (start, image, problems, files, build, after fix, dark), and
// nothing wider than the screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, startApp, type App } from './harness';
import { axeViolations } from './axe';
import { layoutFiles } from '../unit/layers/fixtures';
import { seedLayers } from '../unit/ops-fix/seedlike';
import { tarBlob } from '../../src/engine/tar/writer';
import { main } from '../../src/cli/main';

const DIR = join(ROOT, '.tmp/e2e-walk');
let app: App;
let broken: string;
let appTar: string;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  const { base, app: appLayer } = await seedLayers();
  broken = join(DIR, 'broken.tar');
  writeFileSync(broken, new Uint8Array(await (await layoutFiles({ layers: [base, appLayer] })).blob.arrayBuffer()));
  const h = { uid: 0, gid: 0, mtime: 1_700_000_000 };
  const script = new TextEncoder().encode('#!/bin/sh\necho hi\n');
  appTar = join(DIR, 'app-rootfs.tar');
  const rootfs = tarBlob([
    { header: { ...h, path: 'opt/', type: 'dir', mode: 0o755 } },
    { header: { ...h, path: 'opt/app', type: 'file', mode: 0o755, size: script.length }, body: script },
  ]);
  writeFileSync(appTar, new Uint8Array(await rootfs.arrayBuffer()));
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
});

async function expectAxeClean(page: Page, view: string): Promise<void> {
  const v = await axeViolations(page);
  expect(v, `axe-core on ${view}: ${JSON.stringify(v, null, 1)}`).toEqual([]);
}

/** Nothing wider than the viewport: no sideways scrolling of the page (tables scroll inside their cards). */
async function expectNoOverflow(page: Page, view: string): Promise<void> {
  const { scroll, width, wide } = await page.evaluate(() => {
    const width = window.innerWidth;
    // The elements sticking out (those inside a scrolling box are fine: the box scrolls, not the page).
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !e.closest('.table-wrap, .table, .paths'))
      .slice(-5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} → ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, width, wide };
  });
  expect(scroll, `page wider than the screen on ${view}: ${wide.join('; ')}`).toBeLessThanOrEqual(width);
}

/** Fully inside the viewport as the page is scrolled now. */
async function inView(page: Page, name: string, locator: ReturnType<Page['getByRole']>): Promise<void> {
  const box = await locator.boundingBox();
  const vp = page.viewportSize()!;
  expect(box, `${name} has no box`).not.toBeNull();
  expect(box!.y, `${name} above the screen`).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height, `${name} below the screen (${JSON.stringify(box)} in ${vp.height})`).toBeLessThanOrEqual(vp.height);
  expect(box!.x + box!.width, `${name} cut at the right`).toBeLessThanOrEqual(vp.width);
}

/** README screenshots: written to docs/ only when asked (UPDATE_SCREENSHOT=1), so a test run never dirties the tree. */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs') : join(ROOT, '.tmp/e2e-walk');
  mkdirSync(dir, { recursive: true });
  await page.evaluate(() => document.fonts.ready);
  const png = await page.screenshot({ path: join(dir, name) });
  expect(png.length).toBeGreaterThan(10_000);
}

async function unloadBlocked(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const e = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  });
}

const sizes = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

describe.each(sizes)('issue 10 walk at $name width ($width×$height)', ({ name, width, height }) => {
  it('open → verdict and Fix in view → Fix → Fixed, not saved → Download (no dialog, failing dialog) → saved', async () => {
    const page = await app.newPage();
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme: 'light' });
    // First the save dialog is missing (as in Firefox); later one that throws (a policy, an embedded browser).
    await page.addInitScript(() => {
      const w = window as unknown as { showSaveFilePicker?: unknown; __pickerMode?: string };
      const real = w.showSaveFilePicker;
      Object.defineProperty(window, 'showSaveFilePicker', {
        configurable: true,
        get: () =>
          w.__pickerMode === 'throws'
            ? async () => {
                throw new DOMException('Blocked by policy', 'SecurityError');
              }
            : w.__pickerMode === 'real'
              ? real
              : undefined,
      });
    });
    await page.goto(app.url);
    await page.getByRole('heading', { name: 'Drop a container image here' }).waitFor();
    await expectAxeClean(page, `start (${name})`);
    await expectNoOverflow(page, `start (${name})`);

    await page.getByLabel('Open image', { exact: true }).setInputFiles(broken);
    const heading = page.getByRole('heading', { name: 'broken.tar', exact: true });
    await heading.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent), 'focus moves to the image heading').toBe('broken.tar');

    const problems = page.getByRole('region', { name: 'Problems' });
    const verdict = problems.getByText('Docker will refuse this image: 7 whiteouts under bin, lib and 2 more');
    await verdict.waitFor({ timeout: 30_000 });
    const fix = problems.getByRole('button', { name: 'Fix', exact: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await inView(page, 'the verdict', verdict as never);
    await inView(page, 'the Fix button', fix as never);
    if (name === 'phone') await shot(page, 'screenshot-phone.png');
    // Errors first; repairs in words with their id beside them; no Markdown backticks on screen.
    const text = await problems.innerText();
    expect(text.indexOf('error')).toBeLessThan(text.indexOf('warning'));
    expect(text).not.toContain('`');
    expect(await problems.getByRole('checkbox', { name: /^Remove the redundant whiteouts drop-redundant-whiteouts/ }).isChecked()).toBe(true);
    // "Copy digest" names start with the words on the button and say what they copy.
    expect(await page.getByRole('button', { name: 'Copy digest of layer 1', exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Copy digest of the manifest', exact: true }).count()).toBe(1);
    await expectAxeClean(page, `image + problems (${name})`);
    await expectNoOverflow(page, `image (${name})`);

    // Files view, listed.
    const files = page.getByRole('region', { name: 'Files' });
    await files.getByLabel('Layer', { exact: true }).selectOption('1');
    await files.getByRole('table', { name: 'Files in layer 1' }).waitFor();
    await expectAxeClean(page, `files (${name})`);
    // Arrow keys on the Layer select move the choice without starting a listing per step: it lists once they rest.
    const select = files.getByLabel('Layer', { exact: true });
    await select.focus();
    await page.keyboard.press('ArrowUp');
    expect(await select.inputValue()).toBe('0');
    expect(await files.getByRole('table', { name: 'Files in layer 1' }).count(), 'no listing started on the key press').toBe(1);
    await files.getByRole('table', { name: 'Files in layer 0' }).waitFor();
    await expectNoOverflow(page, `files (${name})`);

    // Fix: the page goes to the result and says it is not saved; leaving would now ask first.
    expect(await unloadBlocked(page)).toBe(false);
    await fix.click();
    const state = page.getByRole('region', { name: 'Fixed image' }).getByRole('status').filter({ hasText: 'Fixed — not saved yet' });
    await state.waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'broken.tar (fixed)' }).waitFor();
    await inView(page, 'the "Fixed — not saved yet" status', state as never);
    const banner = page.getByRole('region', { name: 'Fixed image' });
    const download = banner.getByRole('button', { name: 'Download', exact: true });
    await inView(page, 'the Download beside it', download as never);
    expect(await unloadBlocked(page)).toBe(true);
    await problems.getByText(/^Engines will load this image, with 4 warnings/).waitFor({ timeout: 30_000 });
    await expectAxeClean(page, `after fix (${name})`);
    await expectNoOverflow(page, `after fix (${name})`);
    if (name === 'desktop') await shot(page, 'screenshot-fixed.png');

    // Download without a save dialog: the composed download, then "Saved NAME (SIZE)".
    const [dl] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(dl.suggestedFilename()).toBe('broken-fixed-oci.tar');
    const saved = join(DIR, `fixed-${name}.tar`);
    await dl.saveAs(saved);
    await banner.getByRole('status').filter({ hasText: /^Saved broken-fixed-oci\.tar \(\d+(\.\d+)? KB\)\.$/ }).waitFor();
    expect(await unloadBlocked(page)).toBe(false);
    await banner.getByRole('status').filter({ hasText: 'Fixed and saved' }).waitFor();

    // A save dialog that throws (not the user's cancel): the download still happens, and the page says how.
    await page.evaluate(() => ((window as unknown as { __pickerMode: string }).__pickerMode = 'throws'));
    await banner.getByLabel(/docker-archive/).check();
    const [dl2] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(dl2.suggestedFilename()).toBe('broken-fixed-docker.tar');
    const saved2 = join(DIR, `fixed-${name}-docker.tar`);
    await dl2.saveAs(saved2);
    await banner
      .getByRole('status')
      .filter({ hasText: /^Saved broken-fixed-docker\.tar \(.+\) to the browser's downloads: the save dialog failed \(SecurityError: Blocked by policy\)\.(?: .+)?$/ })
      .waitFor();
    // Chromium's own dialog where the browser never shows it (headless: an instant AbortError): not a cancel.
    await page.evaluate(() => ((window as unknown as { __pickerMode: string }).__pickerMode = 'real'));
    const [dl3] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(dl3.suggestedFilename()).toBe('broken-fixed-docker.tar');
    await banner
      .getByRole('status')
      .filter({ hasText: /^Saved broken-fixed-docker\.tar \(.+\) to the browser's downloads: the browser did not show its save dialog\.(?: .+)?$/ })
      .waitFor();
    for (const f of [saved, saved2]) {
      expect(statSync(f).size).toBeGreaterThan(0);
      const out: string[] = [];
      const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), stderrIsTTY: false };
      expect(await main(['diagnose', f, '--json'], io), out.join('')).toBe(0);
    }

    // Show original goes back; the fixed copy stays offered there.
    await banner.getByRole('button', { name: 'Show original' }).click();
    await heading.waitFor();
    await problems.getByText('Docker will refuse this image').waitFor();
    await page.getByRole('button', { name: 'Show fixed image' }).click();
    await page.getByRole('heading', { name: 'broken.tar (fixed)' }).waitFor();

    // Dark colours: still no violation (contrast included).
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAxeClean(page, `after fix, dark (${name})`);
    await page.emulateMedia({ colorScheme: 'light' });

    // Build on the original: the result and its Download stay on the Build view; the base stays the base.
    await page.getByRole('button', { name: 'Show original' }).click();
    await heading.waitFor();
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByRole('heading', { name: 'Build an image', level: 1 }).waitFor();
    await expectAxeClean(page, `build (${name})`);
    await expectNoOverflow(page, `build (${name})`);
    const baseGroup = page.getByRole('group', { name: 'Base image' });
    expect(await baseGroup.innerText()).toContain('broken.tar');
    await page.getByLabel('App rootfs').setInputFiles([appTar, appTar]);
    const chosen = page.getByRole('list', { name: 'Chosen rootfs tarballs' });
    expect(await chosen.getByRole('listitem').count()).toBe(2);
    await chosen.getByRole('button', { name: 'Remove app-rootfs.tar' }).first().click();
    expect(await chosen.getByRole('listitem').count()).toBe(1);
    await page.getByLabel('Tag', { exact: true }).fill('walk/app:1.0');
    await page.getByRole('button', { name: 'Build image' }).click();
    const report = page.getByRole('region', { name: 'Last build' });
    await report.waitFor({ timeout: 30_000 });
    expect(await report.innerText()).toContain('walk/app:1.0');
    expect(await baseGroup.innerText()).toContain('broken.tar');
    expect(await unloadBlocked(page)).toBe(true);
    const [dl4] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: 'Download', exact: true }).click()]);
    expect(dl4.suggestedFilename()).toBe('walk_app_1.0-oci.tar');
    await report.getByRole('status').filter({ hasText: /^Saved walk_app_1\.0-oci\.tar \(/ }).waitFor();
    await expectAxeClean(page, `build result (${name})`);
    if (name === 'desktop') {
      await report.scrollIntoViewIfNeeded();
      await shot(page, 'screenshot-build.png');
    }
    await expectNoOverflow(page, `build result (${name})`);

    expect(app.foreign).toEqual([]);
    expect(app.problems.filter((p) => !/ServiceWorker|unsupported MIME type/.test(p))).toEqual([]);
    await page.close();
  }, 240_000);
});
