// bench:tree — time and memory of the file browser's engine half on a 200,000-entry layer, in Node:
//   1. index: list the layer (gunzip + tar headers → metadata rows; what the worker's listLayer job does);
//   2. build the folder tree (totals), expand every folder and flatten it (name order, then size order);
//   3. Filter files: a substring, '*.conf' and '**/*.so*' over every path; Largest files;
//   4. compare the listing with a copy where 1% of the files changed, 1% were removed and 1% added.
// Memory is the V8 heap growth after a forced GC (run with --expose-gc: `npm run bench:tree`) while the result is
// held. Then, unless BENCH_TREE_PAGE=0, the same layer in the production page in headless Chromium (the e2e
// harness): list it, show the tree, Expand all, scroll to the last row; time of each and the page's JS heap.
// Not part of `npm test`. Numbers go to README ("File tree, search and Compare").
import { gzipSync } from 'fflate';
import { tarBlob } from '../../src/engine/tar/writer';
import type { TarHeaderInput } from '../../src/engine/tar/types';
import { sha256Bytes } from '../../src/engine/digest/index';
import { MediaType } from '../../src/engine/oci/types';
import { memoryScratch } from '../../src/engine/env';
import { openImage } from '../../src/engine/oci/archive';
import { listLayer } from '../../src/engine/ops/files';
import { buildTree, largestFiles, setAllOpen, visibleRows } from '../../src/engine/ops/explore/tree';
import { pathMatcher } from '../../src/engine/ops/explore/glob';
import { compareFilesystems, type CompareEntry } from '../../src/engine/ops/explore/compare';
import { layoutFiles, type BuiltLayer } from '../unit/layers/fixtures';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startApp } from '../e2e/harness';

const N = Number(process.env.BENCH_TREE_ENTRIES ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => (gc?.(), process.memoryUsage().heapUsed);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

const RUNS = 3;
/** Runs `f` RUNS times: the first (cold: JIT, first sort) and the best of the rest, since the machine is shared. */
function time<T>(label: string, f: () => T): T {
  let r!: T;
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    r = f();
    ms.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(46)} ${ms[0].toFixed(0).padStart(6)} ms cold, ${Math.min(...ms.slice(1)).toFixed(0).padStart(5)} ms warm`);
  return r;
}

async function main() {
  // 2,000 folders in 20 groups, 99 files each: names like a distro's (lib*.so.N, *.conf, plain files).
  const headers: { header: TarHeaderInput }[] = [];
  for (let d = 0; headers.length < N; d++) {
    const dir = `usr/g${d % 20}/d${String(d).padStart(4, '0')}`;
    headers.push({ header: { path: `${dir}/`, type: 'dir', mode: 0o755, mtime: 1700000000 } });
    for (let f = 0; f < 99 && headers.length < N; f++) {
      const name = f % 10 === 0 ? `lib${f}.so.${d % 7}` : f % 10 === 1 ? `f${f}.conf` : `file${f}`;
      headers.push({ header: { path: `${dir}/${name}`, type: 'file', size: 0, mode: 0o644, mtime: 1700000000 + f } });
    }
  }
  const tar = new Uint8Array(await tarBlob(headers).arrayBuffer());
  const gz = gzipSync(tar, { level: 1, mtime: 0 });
  const layer: BuiltLayer = { bytes: gz, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(gz), size: gz.length } };
  const image = (await layoutFiles({ layers: [layer] })).blob;
  const archive = await openImage(image, { scratch: memoryScratch() });
  console.log(`layer: ${N.toLocaleString('en')} entries, ${mb(tar.length)} tar, ${mb(gz.length)} gzip${gc ? '' : ' (no --expose-gc: memory figures are rough)'}`);

  let h0 = heap();
  const t0 = performance.now();
  const rows = await listLayer(archive, 0, 0);
  console.log(`${'index (list the layer: gunzip + tar headers)'.padEnd(46)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms   heap +${mb(heap() - h0)}`);
  // Sizes as a real layer would have them (the bench tar stores empty files to stay small in memory).
  rows.forEach((r, i) => r.type === 'file' && (r.size = (i * 2654435761) % 200_000));

  time('build the tree (nodes, folder totals)', () => buildTree(rows));
  h0 = heap();
  const tree = buildTree(rows);
  console.log(`${'  tree memory'.padEnd(46)} ${''.padStart(6)}      heap +${mb(heap() - h0)}`);
  const shown = time('flatten collapsed (top level, by name)', () => visibleRows(tree.root, 'name').length);
  time('expand all', () => setAllOpen(tree, true));
  const all = time('flatten expanded (by name)', () => visibleRows(tree.root, 'name').length);
  time('flatten expanded (by size)', () => visibleRows(tree.root, 'size').length);
  console.log(`  rows: ${shown} collapsed, ${all.toLocaleString('en')} expanded`);

  for (const p of ['d0199/file5', '*.conf', '**/*.so*', '/usr/g3/*/lib*']) {
    const m = pathMatcher(p)!;
    const hits = time(`filter ${JSON.stringify(p)}`, () => rows.filter((r) => m(r.path)).length);
    console.log(`  ${hits.toLocaleString('en')} matches`);
  }
  time('largest files (sort every file by size)', () => largestFiles(rows, 100).length);

  const a: CompareEntry[] = rows.map((r, i) => ({ ...r, source: `sha256:a#${i}` }));
  const b: CompareEntry[] = [];
  a.forEach((e, i) => {
    if (i % 100 === 1) return; // removed
    b.push(i % 100 === 2 && e.type === 'file' ? { ...e, size: e.size + 1, source: `sha256:b#${i}` } : e);
    if (i % 100 === 3) b.push({ ...e, path: `${e.path}.new` });
  });
  h0 = heap();
  const r = time('compare (2 × 200k paths)', () => compareFilesystems(a, b));
  console.log(`  ${r.added} added, ${r.changed} changed, ${r.removed} removed; result heap +${mb(heap() - h0)}`);
  if (process.env.BENCH_TREE_PAGE !== '0') await inPage(image);
}

/** The page: what a user waits for with a 200k-entry layer in the File tree. */
async function inPage(image: Blob) {
  const dir = join(ROOT, '.tmp/bench-tree');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `tree-${N}.tar`);
  writeFileSync(path, new Uint8Array(await image.arrayBuffer()));
  const app = await startApp();
  try {
    const page = app.page;
    const cdp = await page.context().newCDPSession(page);
    const jsHeap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    await page.goto(app.url);
    await page.getByLabel('Open image', { exact: true }).setInputFiles(path);
    await page.getByRole('heading', { name: /^tree-/ }).waitFor({ timeout: 120_000 });
    const files = page.getByRole('region', { name: 'Files' });
    const h0 = await jsHeap();
    const step = async (label: string, f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      console.log(`page: ${label.padEnd(40)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms`);
    };
    await files.getByRole('radiogroup', { name: 'View' }).getByLabel('Tree').check();
    const tree = files.getByRole('tree', { name: 'File tree' });
    await step('list the layer + show the tree', async () => {
      await files.getByLabel('Layer', { exact: true }).selectOption('0');
      await tree.waitFor({ timeout: 120_000 });
    });
    console.log(`page: main-thread JS heap with the listing and tree +${mb((await jsHeap()) - h0)}`);
    await step('Expand all (200k rows flattened)', async () => {
      await files.getByRole('button', { name: 'Expand all' }).click();
      await tree.locator('[role=treeitem][aria-level="4"]').first().waitFor({ timeout: 60_000 });
    });
    await step('scroll to the last row', async () => {
      await tree.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForFunction(() => [...document.querySelectorAll('[role=tree] [role=treeitem]')].some((e) => e.getAttribute('aria-posinset') === e.getAttribute('aria-setsize') && e.getAttribute('aria-level') === '4'), undefined, { timeout: 60_000 });
    });
    await step('sort by size (all open)', async () => {
      await files.getByLabel('Sort by').selectOption('size');
      await page.waitForTimeout(0);
      await tree.locator('[role=treeitem]').first().waitFor();
    });
    console.log(`page: rows in the DOM ${await tree.locator('[role=treeitem]').count()}; JS heap +${mb((await jsHeap()) - h0)}`);
  } finally {
    await app.close();
  }
}

await main();
