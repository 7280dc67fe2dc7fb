// The inspection panels end to end, in headless Chromium against the production build, on an image this test
// builds with known contents: Layer sizes (sizes and counts per layer), Wasted space (an 8 MiB file added by one
// layer and deleted by the next: its bytes and dive's score), Preview (a text file, a PNG, a symlink to it),
// Packages (a tiny dpkg status), and Recent images (reopen through a file handle after a reload; Forget).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { tarBlob } from '../../src/engine/tar/writer';
import type { TarHeaderInput } from '../../src/engine/tar/types';
import { sha256Bytes } from '../../src/engine/digest/index';
import { MediaType } from '../../src/engine/oci/types';
import { efficiencyText } from '../../src/engine/ops/explore/wasted';
import { ROOT, startApp, type App } from './harness';
import { axeViolations } from './axe';
import { layoutFiles, type BuiltLayer } from '../unit/layers/fixtures';

const DIR = join(ROOT, '.tmp/e2e-inspect');
const MB8 = 8 * 1024 * 1024;
const HELLO = 'hello\nwörld\nthird line\n';
const MOTD = 'welcome\n';
const DPKG = readFileSync(join(ROOT, 'test/fixtures/packages/dpkg-status'), 'utf8');
// A 2x2 red PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR42mP8z8DAwMDAwMDAAAAOAgEBLT6nNwAAAABJRU5ErkJggg==', 'base64');
let app: App;
let image: string;

type Ent = { path: string; type?: TarHeaderInput['type']; link?: string; body?: Uint8Array | string };
async function gzLayer(entries: Ent[]): Promise<BuiltLayer> {
  const enc = new TextEncoder();
  const tar = new Uint8Array(
    await tarBlob(
      entries.map((e) => {
        const body = typeof e.body === 'string' ? enc.encode(e.body) : e.body;
        return { header: { path: e.path, type: e.type ?? 'file', linkpath: e.link, mode: e.type === 'dir' ? 0o755 : 0o644, mtime: 1700000000, size: body?.length }, body };
      }),
    ).arrayBuffer(),
  );
  const gz = gzipSync(tar, { level: 6, mtime: 0 });
  return { bytes: gz, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(gz), size: gz.length } };
}

async function makeImage(path: string): Promise<void> {
  const layers = [
    await gzLayer([
      { path: 'etc/', type: 'dir' },
      { path: 'etc/hello.txt', body: HELLO },
      { path: 'img/', type: 'dir' },
      { path: 'img/logo.png', body: PNG },
      { path: 'img/link.png', type: 'symlink', link: 'logo.png' },
      { path: 'var/', type: 'dir' },
      { path: 'var/lib/', type: 'dir' },
      { path: 'var/lib/dpkg/', type: 'dir' },
      { path: 'var/lib/dpkg/status', body: DPKG },
      { path: 'keep.bin', body: new Uint8Array(MB8) },
    ]),
    await gzLayer([{ path: 'big.bin', body: new Uint8Array(MB8) }]),
    await gzLayer([{ path: '.wh.big.bin', body: '' }, { path: 'etc/motd', body: MOTD }]),
  ];
  const built = await layoutFiles({
    layers,
    config: (c) => {
      c.history = [{ created_by: 'ADD base files' }, { created_by: 'RUN fetch big.bin' }, { created_by: 'RUN rm big.bin' }];
    },
  });
  writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
}

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  app = await startApp();
  image = join(DIR, 'inspect-me.tar');
  await makeImage(image);
});

afterAll(async () => {
  await app?.close();
});

describe('inspection panels', () => {
  it('Layer sizes, Wasted space, Preview and Packages on a known image', async () => {
    const page = app.page;
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(image);
    await page.getByRole('heading', { name: 'inspect-me.tar' }).waitFor();

    // Layer sizes: counted once the automatic diagnosis is done.
    const sizes = page.getByRole('region', { name: 'Layer sizes' });
    const rows = sizes.getByRole('table').getByRole('row');
    await expect.poll(async () => (await rows.nth(3).innerText()).includes('—'), { timeout: 60_000 }).toBe(false);
    const cells = async (i: number) => (await rows.nth(i + 1).getByRole('cell').allInnerTexts()).map((c) => c.trim());
    const [l0, l1, l2] = [await cells(0), await cells(1), await cells(2)];
    // Layer | Compressed | Uncompressed | Added | Changed | Removed | Opaque dirs | Made by
    expect(l0.slice(3, 7)).toEqual(['10', '0', '0', '0']);
    expect(l1.slice(2, 7)).toEqual(['8.00 MB', '1', '0', '0', '0']); // 8 MiB + one header + the end blocks
    expect(l2.slice(3, 7)).toEqual(['1', '0', '1', '0']);
    expect(l1[7]).toBe('RUN fetch big.bin');
    expect(l0[0]).toBe('Open layer 0 in files');
    await sizes.getByRole('img', { name: 'Layer sizes, bottom layer first' }).waitFor();
    expect(await sizes.getByRole('img').textContent()).toContain('8.00 MB');

    // Wasted space: big.bin, added then deleted, wastes all 8 MiB; dive's score Σmin / Σcumulative.
    const wasted = page.getByRole('region', { name: 'Wasted space' });
    const small = Buffer.byteLength(HELLO) + PNG.length + Buffer.byteLength(DPKG) + Buffer.byteLength(MOTD);
    const score = efficiencyText((small + MB8) / (small + 2 * MB8));
    expect(score).toBe('Efficiency 50%');
    await wasted.getByText(score).waitFor({ timeout: 60_000 });
    expect(await wasted.innerText()).toContain('Wasted: 8.00 MB in 1 path');
    const offender = await wasted.getByRole('table', { name: 'Top wasted paths' }).getByRole('row').nth(1).getByRole('cell').allInnerTexts();
    expect(offender.map((c) => c.trim())).toEqual(['big.bindeleted', '2', '8.00 MB', '1, 2']);
    const treemap = wasted.getByRole('group', { name: 'Treemap of the merged filesystem by size' });
    expect(await treemap.textContent()).toContain('keep.bin');

    // A layer row opens that layer in the File tree; the file chosen there (a symlink to the PNG) shows in Preview.
    const preview = page.getByRole('region', { name: 'Preview' });
    await sizes.getByRole('button', { name: 'Open layer 0 in files' }).click();
    const tree = page.getByRole('region', { name: 'Files' }).getByRole('tree', { name: 'File tree' });
    const imgDir = tree.getByRole('treeitem', { name: /^img\/(\s|$)/ });
    // The file browser moves the focus into the tree once the layer is listed; then walk it with the keyboard.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('treeitem');
    await page.keyboard.type('i'); // type-ahead: img/
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent ?? '')).toMatch(/^\s*\S*\s*img\//);
    await page.keyboard.press('ArrowRight'); // expands
    await expect.poll(() => imgDir.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('ArrowRight'); // its first child: link.png
    await page.keyboard.press('Enter'); // selects it
    const chosen = preview.getByRole('img', { name: 'Preview of img/link.png' });
    await chosen.waitFor();
    await expect.poll(() => chosen.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(2);
    expect(await preview.getByRole('status').innerText()).toMatch(/→ img\/logo\.png[\s\S]*from layer 0/);

    // Preview by path: a text file with line numbers, a PNG rendered from a Blob URL, and a symlink to it.
    await preview.getByLabel('Preview a path').fill('/etc/hello.txt');
    await preview.getByRole('button', { name: 'Preview', exact: true }).click();
    const text = preview.getByRole('region', { name: 'Text of etc/hello.txt' });
    await text.waitFor();
    expect(await text.innerText()).toContain('wörld');
    expect(await preview.getByRole('status').innerText()).toContain('UTF-8 text');
    await preview.getByLabel('Preview a path').fill('img/link.png');
    await preview.getByRole('button', { name: 'Preview', exact: true }).click();
    const img = preview.getByRole('img', { name: 'Preview of img/link.png' });
    await img.waitFor();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(2);
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    expect(await preview.getByRole('status').innerText()).toMatch(/→ img\/logo\.png[\s\S]*image\/png/);
    await preview.getByLabel('Preview a path').fill('big.bin');
    await preview.getByRole('button', { name: 'Preview', exact: true }).click();
    await preview.getByText('big.bin was deleted by layer 2 (a whiteout)', { exact: false }).waitFor();

    // Packages from the dpkg status fixture (the deinstalled one is not listed).
    const packages = page.getByRole('region', { name: 'Packages' });
    const prow = packages.getByRole('table', { name: 'Installed packages' }).getByRole('row');
    await expect.poll(() => prow.count(), { timeout: 60_000 }).toBe(3);
    expect((await prow.nth(1).getByRole('cell').allInnerTexts()).map((c) => c.trim())).toEqual(['base-files', '12.4+deb12u5', '341 KB', '0', 'dpkg']);
    expect((await prow.nth(2).getByRole('cell').allInnerTexts()).map((c) => c.trim())).toEqual(['libc6', '2.36-9+deb12u4', '12.7 MB', '0', 'dpkg']);

    // A binary as hex; then the whole view (every panel filled in) through axe-core.
    await preview.getByLabel('Preview a path').fill('keep.bin');
    await preview.getByRole('button', { name: 'Preview', exact: true }).click();
    expect(await preview.getByLabel('Hex dump').innerText()).toMatch(/^00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  \|\.{16}\|/);
    expect(await preview.innerText()).toContain('the first 4.00 KB of 8.00 MB as hex');
    expect(await axeViolations(page)).toEqual([]);

    // README screenshots of the panels, written to docs/ only when asked (UPDATE_SCREENSHOT=1).
    const shots = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs') : DIR;
    await page.evaluate(() => document.fonts.ready);
    await sizes.screenshot({ path: join(shots, 'screenshot-layer-sizes.png') });
    await wasted.screenshot({ path: join(shots, 'screenshot-wasted.png') });
    await preview.getByLabel('Preview a path').fill('etc/hello.txt');
    await preview.getByRole('button', { name: 'Preview', exact: true }).click();
    await preview.getByRole('region', { name: 'Text of etc/hello.txt' }).waitFor();
    await preview.screenshot({ path: join(shots, 'screenshot-preview.png') });

    expect(app.problems).toEqual([]);
    expect(app.foreign).toEqual([]);
  });

  it('Recent images: reopens through a file handle after a reload, and forgets', async () => {
    const page = await app.newPage();
    // The picker returns a real OPFS file handle holding the image (what showOpenFilePicker gives, minus the dialog).
    await page.addInitScript(() => {
      (window as unknown as { showOpenFilePicker: () => Promise<FileSystemFileHandle[]> }).showOpenFilePicker = async () => {
        const root = await navigator.storage.getDirectory();
        return [await root.getFileHandle('picked-image.tar')];
      };
    });
    await page.goto(app.url);
    const b64 = readFileSync(image).toString('base64');
    await page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const root = await navigator.storage.getDirectory();
      const w = await (await root.getFileHandle('picked-image.tar', { create: true })).createWritable();
      await w.write(bytes);
      await w.close();
    }, b64);

    await page.getByText('Open image', { exact: true }).click(); // the label: a click goes through the picker
    await page.getByRole('heading', { name: 'picked-image.tar' }).waitFor();
    // The problem summary is written once the diagnosis ends.
    await page.getByRole('region', { name: 'Layer sizes' }).getByRole('table').getByRole('row').nth(1).getByText('10').waitFor({ timeout: 60_000 });

    await page.reload();
    const recent = page.getByRole('region', { name: 'Recent images' });
    await recent.waitFor();
    await expect.poll(() => recent.innerText()).toMatch(/picked-image\.tar[\s\S]*(No problems found|\d+ problems?)/);
    expect(await recent.innerText()).toContain('sha256:');
    await recent.getByRole('button', { name: 'Open picked-image.tar again' }).click();
    await page.getByRole('heading', { name: 'picked-image.tar' }).waitFor();

    await page.getByRole('button', { name: 'Open another image' }).click();
    // Also opened through the plain file input (no handle): a second entry.
    await page.getByLabel('Open image', { exact: true }).setInputFiles(image);
    await page.getByRole('heading', { name: 'inspect-me.tar' }).waitFor();
    await page.getByRole('button', { name: 'Open another image' }).click();
    await recent.waitFor();
    await expect.poll(() => recent.getByRole('listitem').count()).toBe(2);
    expect(await recent.getByRole('listitem').first().innerText()).toContain('You will be asked for the file again.');
    expect(await axeViolations(page)).toEqual([]);

    // Without a handle, reopening asks for the file and refuses another one (name and size are checked).
    const other = join(DIR, 'not-it.tar');
    writeFileSync(other, 'not the image');
    const [wrong] = await Promise.all([page.waitForEvent('filechooser'), recent.getByRole('button', { name: 'Open inspect-me.tar again' }).click()]);
    await wrong.setFiles(other);
    await page.getByRole('alert').getByText('That is not inspect-me.tar').waitFor();
    const [right] = await Promise.all([page.waitForEvent('filechooser'), recent.getByRole('button', { name: 'Open inspect-me.tar again' }).click()]);
    await right.setFiles(image);
    await page.getByRole('heading', { name: 'inspect-me.tar' }).waitFor();
    await page.getByRole('button', { name: 'Open another image' }).click();

    await recent.getByRole('button', { name: 'Forget picked-image.tar' }).click();
    await expect.poll(() => recent.getByRole('listitem').count()).toBe(1);
    await page.reload();
    await expect.poll(() => page.getByRole('region', { name: 'Recent images' }).getByRole('listitem').count()).toBe(1);
    await page.getByRole('region', { name: 'Recent images' }).getByRole('button', { name: 'Forget all' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Recent images' }).count()).toBe(0);
    await page.reload();
    await page.getByRole('heading', { name: 'Drop a container image here' }).waitFor();
    expect(await page.getByRole('region', { name: 'Recent images' }).count()).toBe(0);
    expect(app.problems).toEqual([]);
    expect(app.foreign).toEqual([]);
    await page.close();
  });
});
