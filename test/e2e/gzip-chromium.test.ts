// Issue 13: a sample of the gzip encoder's outputs (the property test's seeded cases, at every level, across chunk
// joins) must decode in Chromium's native DecompressionStream — the decoder the page itself reads layers with —
// to exactly the input (SHA-256 compared in the page with WebCrypto).
// Issue 11: a sample of deflate-spliced outputs (copied source blocks of gzip, Python zlib with sync/full flushes,
// Node's zlib, fflate and our own encoder, joined to re-deflated regions) decodes in Chromium to the edited bytes.
// Issue 11: a multi-chunk layer rewritten by the page (deflated by its Web Worker pool, checked by the guard) is
// byte-identical to the one the CLI writes (worker_threads): same layer digests, same manifest digest.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { encode, makeCase, realTar } from '../unit/compress/property';
import { makeSpliceCase, sources, splice } from '../unit/compress/splice-cases';
import { file, layer, layoutFiles } from '../unit/layers/fixtures';
import { APP, BASE } from '../unit/ops-fix/seedlike';
import { ROOT, startApp, type App } from './harness';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

type Sample = { seed: number; gz: string; sha: string };

/** Decodes each sample with the page's DecompressionStream; returns the SHA-256 of what came out. */
async function decodeInPage(cases: Sample[]) {
  const { page } = app;
  await page.goto(app.url);
  return page.evaluate(async (list) => {
    const out: { seed: number; sha: string; error?: string }[] = [];
    for (const c of list) {
      try {
        const bytes = Uint8Array.from(atob(c.gz), (ch) => ch.charCodeAt(0));
        const plain = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
        const h = new Uint8Array(await crypto.subtle.digest('SHA-256', plain));
        out.push({ seed: c.seed, sha: Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('') });
      } catch (e) {
        out.push({ seed: c.seed, sha: '', error: String(e) });
      }
    }
    return out;
  }, cases);
}

it('decodes a sample of encoder outputs in Chromium to their inputs', async () => {
  const cases: Sample[] = [];
  const levels = new Set<number>();
  // Seeds picked by a stride so the sample spans kinds, levels, chunk sizes and multi-chunk inputs.
  for (let seed = 7; cases.length < 80; seed += 61) {
    const c = makeCase(seed);
    const gz = await encode(c.data, c.level, c.chunkSize, c.pushes);
    levels.add(c.level);
    cases.push({ seed, gz: gz.toString('base64'), sha: createHash('sha256').update(c.data).digest('hex') });
  }
  expect(levels.size).toBe(10);
  const results = await decodeInPage(cases);
  expect(results).toEqual(cases.map((c) => ({ seed: c.seed, sha: c.sha })));
  expect(app.foreign).toEqual([]);
});

it('decodes a sample of spliced gzip streams in Chromium to the edited bytes', async () => {
  const picked = Array.from({ length: 60 }, (_, i) => makeSpliceCase(11 + 47 * i));
  const srcs = await sources(picked);
  const cases: Sample[] = [];
  const encoders = new Set<string>();
  let copied = 0;
  for (let i = 0; i < picked.length; i++) {
    const { gz, data, stats } = await splice(srcs[i], picked[i].old, picked[i]);
    encoders.add(picked[i].encoder);
    copied += stats.copied;
    cases.push({ seed: picked[i].seed, gz: gz.toString('base64'), sha: createHash('sha256').update(data).digest('hex') });
  }
  expect(encoders.size).toBe(9);
  expect(copied).toBeGreaterThan(0);
  const results = await decodeInPage(cases);
  expect(results).toEqual(cases.map((c) => ({ seed: c.seed, sha: c.sha })));
  expect(app.foreign).toEqual([]);
});

async function inspect(path: string): Promise<{ manifest: string; layers: string[] }> {
  const out: string[] = [];
  const code = await main(['inspect', path, '--json'], { stdout: (t) => void out.push(t), stderr: (t) => void out.push(t), stderrIsTTY: false });
  expect(code, out.join('')).toBe(0);
  const img = JSON.parse(out.join('')).images[0];
  return { manifest: img.manifest.digest ?? img.manifest, layers: img.layers.map((l: { digest: string }) => l.digest) };
}

it('rewrites a multi-chunk layer in the page to the same bytes as the CLI', async () => {
  const dir = join(ROOT, '.tmp/e2e-gzip');
  mkdirSync(dir, { recursive: true });
  // The seed's defect plus ~6 MB of real bytes (base64 of a /usr tar slice): the fixed layer spans several chunks.
  const tar = realTar();
  const big = [0, 1, 2].map((i) => file(`usr/share/blob${i}`, Buffer.from(tar.subarray(i * 1_500_000, (i + 1) * 1_500_000)).toString('base64')));
  const built = await layoutFiles({ layers: [await layer(BASE), await layer([...APP, ...big])] });
  const input = join(dir, 'big-broken.tar');
  writeFileSync(input, new Uint8Array(await built.blob.arrayBuffer()));

  const cliOut = join(dir, 'cli-fixed.tar');
  const log: string[] = [];
  const code = await main(['fix', input, '-o', cliOut, '--format', 'docker'], { stdout: (t) => void log.push(t), stderr: (t) => void log.push(t), stderrIsTTY: false });
  expect(code, log.join('')).toBe(0);

  const page = app.page;
  await page.addInitScript(() => {
    delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  });
  await page.goto(app.url);
  await page.getByLabel('Open image', { exact: true }).setInputFiles(input);
  await page.getByRole('heading', { name: 'big-broken.tar' }).waitFor();
  const problems = page.getByRole('region', { name: 'Problems' });
  await problems.getByText('whiteout-under-non-directory').first().waitFor({ timeout: 60_000 });
  await problems.getByRole('button', { name: 'Fix', exact: true }).click();
  await page.getByRole('heading', { name: 'big-broken.tar (fixed)' }).waitFor({ timeout: 120_000 });
  await page.getByRole('region', { name: 'Fixed image' }).getByRole('table', { name: 'Rewritten blobs' }).waitFor();
  const download = page.getByRole('region', { name: 'Download', exact: true });
  await download.getByLabel(/docker-archive/).check();
  const [dl] = await Promise.all([page.waitForEvent('download'), download.getByRole('button', { name: 'Download' }).click()]);
  const uiOut = join(dir, 'ui-fixed.tar');
  await dl.saveAs(uiOut);

  const [ui, cli, orig] = await Promise.all([inspect(uiOut), inspect(cliOut), inspect(input)]);
  expect(ui.layers[1]).not.toBe(orig.layers[1]); // the app layer really was rewritten
  expect(ui).toEqual(cli);
  expect(app.foreign).toEqual([]);
  expect(app.problems).toEqual([]);
}, 240_000);
