// Bad input: >= 1,000 deterministic mutations of valid archives (see lib/cases.ts) through the engine's
// readers and ops. Every case must end in an LwError with a known code or a clean result: no other exception
// type, no hang (per-case timeout + a watchdog thread for synchronous loops), no unhandled rejection. Cases
// with a known verdict must also get it right: valid variants pass, provably broken inputs never verify clean.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LwError } from '../../src/engine/errors';
import { memoryScratch } from '../../src/engine/env';
import { openImage } from '../../src/engine/oci/archive';
import { inspect, imageDetails } from '../../src/engine/ops/inspect';
import { verify } from '../../src/engine/ops/verify';
import { summarize } from '../../workers/summary';
import { diagnose } from '../../src/engine/ops/diagnose';
import { defaultRepairs, fix, planFix } from '../../src/engine/ops/fix';
import { writeOciArchive } from '../../src/engine/oci/write';
import { build } from '../../src/engine/ops/build';
import { readTar, scanTar, type TarEntry } from '../../src/engine/tar';
import { decompressBlob, detectCompression } from '../../src/engine/compress';
import { buildCorpus, type Case } from './lib/cases';
import { Watchdog } from './lib/watchdog';

const CODES = new Set([
  'not-an-image', 'truncated', 'corrupt', 'digest-mismatch', 'size-mismatch', 'diffid-mismatch', 'missing-blob',
  'unsupported-media-type', 'unsafe-path', 'symlink-loop', 'tag-not-found', 'invalid-argument', 'cancelled',
  'write-failed', 'too-large', 'suspicious-expansion',
  // verify's problem codes (diagnose's vocabulary)
  'layer-unreadable', 'unknown-media-type', 'unsupported-digest',
]);
const CASE_TIMEOUT_MS = 10_000;

interface Stats {
  /** A valid image to build on (the OCI seed), and how many builds succeeded. */
  base?: Awaited<ReturnType<typeof openImage>>;
  built: number;
  /** Cases where diagnose offered default repairs and fix ran. */
  fixed: number;
  /** ...of which the fixed archive verified clean. */
  fixedClean: number;
}

/** Thrown for anything that is not an acceptable outcome; carries the case name into the failure list. */
class Bad extends Error {}

/** Where each entry is, as both readers must agree on it. */
type Sig = string;
const sig = (e: TarEntry): Sig => `${e.path}|${e.type}|${e.size}|${e.offset}|${e.dataOffset}|${e.linkpath}`;

async function drainTar(blob: Blob, signal: AbortSignal): Promise<Sig[]> {
  const out: Sig[] = [];
  for await (const item of readTar(decompressBlob(blob, undefined, { signal }), { signal })) {
    out.push(sig(item.entry));
    if (out.length % 3 === 0) continue; // leave some content undrained: the reader must skip it itself
    let n = 0;
    for await (const c of item.data()) n += c.length;
    if (n !== item.entry.size) throw new Bad(`readTar gave ${n} content bytes for ${item.entry.path}, size says ${item.entry.size}`);
  }
  return out;
}

function check(e: unknown, step: string): LwError {
  if (!(e instanceof LwError)) {
    const what = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    throw new Bad(`${step} threw a non-LwError: ${what}`);
  }
  if (!CODES.has(e.code)) throw new Bad(`${step} threw LwError with unknown code "${e.code}"`);
  return e;
}

/** Runs one case; returns the outcome ('ok' or the first error code) and whether a failure was observed. */
async function runCase(c: Case, stats: Stats, signal: AbortSignal): Promise<{ outcome: string; failed: boolean }> {
  const blob = new Blob([c.bytes as BlobPart]);
  let outcome = 'ok';
  let failed = false;
  const step = async (name: string, f: () => Promise<unknown> | unknown) => {
    try {
      return await f();
    } catch (e) {
      const err = check(e, name);
      if (outcome === 'ok') outcome = err.code;
      failed = true;
      return undefined;
    }
  };

  if (c.kind === 'layer') {
    const streamed = (await step('readTar', () => drainTar(blob, signal))) as Sig[] | undefined;
    if (detectCompression(c.bytes.subarray(0, 512)) === 'none') {
      const scanned = (await step('scanTar', () => scanTar(blob, { signal }))) as TarEntry[] | undefined;
      // the seeking reader and the streaming reader must see the same entries at the same offsets
      if (streamed && scanned && streamed.join('\n') !== scanned.map(sig).join('\n'))
        throw new Bad(`scanTar and readTar disagree (${scanned.length} vs ${streamed.length} entries)`);
    }
    // the same bytes as an app rootfs for build (on the seed image as base, every 4th case): whatever it makes
    // must open and verify clean
    const env = { scratch: memoryScratch() };
    const base = stats.base && stats.built % 4 === 0 ? stats.base : undefined;
    const made = (await step('build', () => build({ base, rootfs: [blob], rootfsNames: ['fuzz.tar'], settings: { sourceDateEpoch: 1 } }, env, { signal }))) as
      | Awaited<ReturnType<typeof build>>
      | undefined;
    if (made) {
      stats.built++;
      const again = (await step('open built', () => openImage(writeOciArchive(made.out), env, { signal }))) as Awaited<ReturnType<typeof openImage>> | undefined;
      if (!again) throw new Bad('the built archive does not open');
      const v = await verify(again, { signal });
      if (!v.ok) throw new Bad(`the built archive does not verify: ${v.problems[0]?.message}`);
    }
    return { outcome, failed };
  }

  const archive = (await step('openImage', () => openImage(blob, { scratch: memoryScratch() }, { signal }))) as
    | Awaited<ReturnType<typeof openImage>>
    | undefined;
  if (!archive) return { outcome, failed };
  await step('inspect', () => {
    const r = inspect(archive);
    JSON.stringify(r);
    for (const img of archive.images) JSON.stringify(imageDetails(img));
    summarize(archive, 'fuzz'); // what the worker sends the UI on open
  });
  if (archive.images.length === 0 || archive.skipped.length > 0) failed = true;
  const r = (await step('verify', () => verify(archive, { signal }))) as Awaited<ReturnType<typeof verify>> | undefined;
  if (r && !r.ok) {
    failed = true;
    if (outcome === 'ok') outcome = r.problems[0]?.code ?? 'verify-failed';
    for (const p of r.problems) if (!CODES.has(p.code)) throw new Bad(`verify reported unknown code "${p.code}"`);
  }
  for (const img of archive.images)
    for (const l of img.layers) if (l.blob) await step('readTar(layer)', () => drainTar(l.blob!, signal));
  const problems = (await step('diagnose', () => diagnose(archive, { signal }))) as Awaited<ReturnType<typeof diagnose>> | undefined;
  if (!problems) return { outcome, failed };
  const repairs = defaultRepairs(planFix(archive, problems));
  if (!repairs.length) return { outcome, failed };
  // fix, write the archive, open it again: every blob fix re-addressed must verify under its new address
  stats.fixed++;
  const env = { scratch: memoryScratch() };
  const fixed = (await step('fix', () => fix(archive, repairs, env, { signal }))) as Awaited<ReturnType<typeof fix>> | undefined;
  if (!fixed) return { outcome, failed };
  const again = (await step('reopen fixed', () => openImage(writeOciArchive(fixed.out), env, { signal }))) as typeof archive | undefined;
  if (!again) throw new Bad('the fixed archive does not open');
  const rv = (await step('verify fixed', () => verify(again, { signal }))) as Awaited<ReturnType<typeof verify>> | undefined;
  // blobs fix gave a new address to, digest or size (a blob fix left alone keeps its content and its old
  // problems): a corrected size under a stale digest is no repair
  const after = new Set(
    fixed.rewritten.filter((b) => b.after.digest !== b.before.digest || b.after.size !== b.before.size).map((b) => b.after.digest),
  );
  for (const p of rv?.problems ?? [])
    if (after.has(p.blob) && (p.code === 'digest-mismatch' || p.code === 'size-mismatch'))
      throw new Bad(`fix wrote ${p.blob} but its descriptor does not match it: ${p.message}`);
  if (rv?.ok) stats.fixedClean++;
  const re = (await step('diagnose fixed', () => diagnose(again, { signal }))) as typeof problems | undefined;
  const gone = new Set(repairs.flatMap((r) => r.codes));
  const left = (re ?? []).filter((p) => p.code === 'whiteout-under-non-directory' && gone.has(p.code));
  if (left.length) throw new Bad(`after fix, diagnose still reports ${left.length} whiteouts under non-directories`);
  return { outcome, failed };
}

describe('fuzz: mutated archives', () => {
  let dog: Watchdog;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeAll(async () => {
    dog = new Watchdog(30_000);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await dog.close();
  });

  it('every case ends in a typed error or a correct result', { timeout: 170_000 }, async () => {
    const t0 = Date.now();
    const cases = buildCorpus();
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    // the embedded zstd seeds are layer A exactly (else the zstd groups would fuzz the wrong thing)
    const { LAYER_A_ZST } = await import('./lib/compressed-seeds');
    const { layerA } = await import('./lib/seeds');
    const unz = new Uint8Array(await new Response(decompressBlob(new Blob([LAYER_A_ZST as BlobPart]))).arrayBuffer());
    expect(Buffer.from(unz).equals(Buffer.from(layerA().bytes))).toBe(true);
    const counts = new Map<string, number>();
    const byGroup = new Map<string, Map<string, number>>();
    const problems: string[] = [];
    let slowest = { name: '', ms: 0 };
    const stats: Stats = { fixed: 0, fixedClean: 0, built: 0 };
    stats.base = await openImage(new Blob([cases[0].bytes as BlobPart]), { scratch: memoryScratch() });
    for (const c of cases) {
      const ac = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, rej) => {
        timer = setTimeout(() => {
          ac.abort();
          rej(new Bad(`timed out after ${CASE_TIMEOUT_MS} ms`));
        }, CASE_TIMEOUT_MS);
      });
      const before = unhandled.length;
      const t = Date.now();
      dog.start(c.name);
      let outcome: string;
      try {
        const r = await Promise.race([runCase(c, stats, ac.signal), timeout]);
        outcome = r.outcome;
        if (c.expect === 'pass' && r.failed) problems.push(`${c.name}: a valid input was rejected (${r.outcome})`);
        if (c.expect === 'fail' && !r.failed) problems.push(`${c.name}: a broken input verified clean`);
      } catch (e) {
        outcome = 'BAD';
        problems.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        dog.stop();
        clearTimeout(timer);
      }
      // let stray rejections of this case surface before blaming the next one
      await new Promise((r) => setImmediate(r));
      if (unhandled.length > before) problems.push(`${c.name}: unhandled rejection: ${String(unhandled[before])}`);
      const ms = Date.now() - t;
      if (ms > slowest.ms) slowest = { name: c.name, ms };
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      const g = byGroup.get(c.group) ?? new Map<string, number>();
      g.set(outcome, (g.get(outcome) ?? 0) + 1);
      byGroup.set(c.group, g);
    }
    const fmt = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
    const lines = [
      `fuzz: ${cases.length} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s (fix ran on ${stats.fixed}, ${stats.fixedClean} of them verified clean after; build made ${stats.built} images); slowest ${slowest.ms} ms ${slowest.name}`,
      `fuzz outcomes: ${fmt(counts)}`,
      ...[...byGroup].map(([g, m]) => `  ${g.padEnd(16)} ${fmt(m)}`),
    ];
    console.log(lines.join('\n'));
    if (problems.length) console.log(`fuzz problems (${problems.length}):\n  ` + problems.slice(0, 60).join('\n  '));
    expect(problems).toEqual([]);
  });
});
