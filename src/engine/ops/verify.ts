// verify: every blob the images reach is checked for size and digest, every layer's uncompressed content against
// the config's diff_id. A layer is read once (layer.unpack(), layers/unpack.ts): the compressed bytes are hashed on
// their way into the decompressor.
// All problems are collected (it never stops at the first); only cancellation ends it early.

import { asLwError, throwIfAborted, type ErrorCode } from '../errors';
import type { OpOptions } from '../env';
import { indexesAbove, type ImageArchive, type Layer } from '../oci/archive';
import type { Descriptor } from '../oci/types';
import { blobPath, layerCompression } from '../oci/types';
import { digestAlgorithm, digestBlob } from '../digest';
import type { UnpackCache } from '../layers/unpack';
import { scanLayerTar } from '../layers/scan';
import { archiveAmbiguities } from './ambiguity';
import { integrityCode, type IntegrityCode } from './diagnose/types';

/** verify speaks diagnose's vocabulary (ops/diagnose/types.ts): one code per fact, whichever verb finds it. */
export type VerifyProblemCode = IntegrityCode;

export interface VerifyProblem {
  code: VerifyProblemCode;
  /** Digest of the blob (as its descriptor names it). */
  blob: string;
  /** Layer index, for layer problems (of the first image that uses the blob). */
  layer?: number;
  /** Index into archive.images of the (first) image concerned. */
  image?: number;
  /** Archive path of the blob when it is not simply blobs/<alg>/<hex> (docker-archive). */
  path?: string;
  expected?: string;
  actual?: string;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  problems: VerifyProblem[];
  /** Distinct blobs checked (present ones). */
  blobs: number;
  /** Bytes read (stored sizes). */
  bytes: number;
  ms: number;
}

interface Job {
  kind: 'index' | 'manifest' | 'config' | 'layer' | 'blob';
  descriptor: Descriptor;
  blob?: Blob;
  /** Undefined for documents of no image (artifacts, indexes above artifacts only). */
  image?: number;
  /** The model layer (kind 'layer'): read through layer.unpack(). */
  layer?: Layer;
  path?: string;
}

const PROGRESS_STEP = 1024 * 1024;

export interface VerifyOptions extends OpOptions {
  /**
   * Layer digests another op on the same archive computed, or is computing (layers/unpack.ts UnpackCache): such a
   * layer is not read again; verify waits for it and counts its bytes as done when they arrive.
   */
  cache?: UnpackCache;
}

/** Lists the distinct blobs to check, in image order (indexes, manifest, config, layers). */
function plan(archive: ImageArchive): Job[] {
  const jobs = new Map<string, Job>();
  const add = (j: Job) => {
    if (!jobs.has(j.descriptor.digest)) jobs.set(j.descriptor.digest, j);
  };
  archive.images.forEach((img, image) => {
    for (const p of indexesAbove(archive, img)) add({ kind: 'index', descriptor: p, blob: archive.blob(p.digest), image });
    // A manifest the archive does not store (a docker-archive's, made from manifest.json) has nothing to check.
    if (img.manifestBlob) add({ kind: 'manifest', descriptor: img.manifestDescriptor, blob: img.manifestBlob, image });
    add({ kind: 'config', descriptor: img.manifest.config, blob: img.configBlob, image, path: img.configPath });
    for (const l of img.layers)
      add({
        kind: 'layer',
        descriptor: l.descriptor,
        blob: l.blob,
        layer: l,
        image,
        path: l.path && l.path !== blobPath(l.descriptor.digest) ? l.path : undefined,
      });
  });
  // What the index lists besides images (artifacts: signatures, SBOMs, charts): checked by size and digest.
  const images = new Set(archive.images.map((i) => i.manifestDescriptor.digest));
  for (const n of archive.graph.nodes.values()) {
    if (images.has(n.digest) || !n.blob || n.error) continue; // absent or unreadable ones are in archive.skipped
    if (n.kind === 'index') add({ kind: 'index', descriptor: n.descriptor, blob: n.blob });
    else if (n.kind === 'other') add({ kind: 'blob', descriptor: n.descriptor, blob: n.blob });
    else if (n.manifest) {
      add({ kind: 'manifest', descriptor: n.descriptor, blob: n.blob });
      for (const d of [n.manifest.config, ...n.manifest.layers]) add({ kind: 'blob', descriptor: d, blob: archive.blob(d.digest) });
    }
  }
  return [...jobs.values()];
}

/**
 * Checks the archive. Called as verify(archive, opts) or, like the other ops, verify(archive, env, opts)
 * (verify needs no scratch space, so env is ignored).
 */
export function verify(archive: ImageArchive, opts?: VerifyOptions): Promise<VerifyResult>;
export function verify(archive: ImageArchive, env: object | undefined, opts?: VerifyOptions): Promise<VerifyResult>;
export function verify(archive: ImageArchive, a?: object, b?: VerifyOptions): Promise<VerifyResult> {
  return run(archive, (b ?? a ?? {}) as VerifyOptions);
}

async function run(archive: ImageArchive, opts: VerifyOptions): Promise<VerifyResult> {
  const t0 = Date.now();
  const problems: VerifyProblem[] = [];
  const jobs = plan(archive);
  const total = jobs.reduce((n, j) => n + (j.blob?.size ?? 0), 0);
  let done = 0;
  let reported = 0;
  const advance = (n: number, label?: string) => {
    done += n;
    if (opts.onProgress && (done - reported >= PROGRESS_STEP || done === total)) {
      reported = done;
      opts.onProgress(done, total, label);
    }
  };
  opts.onProgress?.(0, total);

  // Diff_id counts are a property of the image, not of a blob.
  archive.images.forEach((img, image) => {
    const ids = img.config.rootfs?.diff_ids?.length ?? 0;
    if (ids !== img.layers.length)
      problems.push({
        code: 'diffid-mismatch',
        blob: img.manifest.config.digest,
        image,
        message: `The config lists ${ids} diff_ids for ${img.layers.length} layers.`,
      });
  });
  for (const s of archive.skipped)
    if (s.absent) continue; // a document of an image not exported here: nothing to check
    else if (s.code === 'missing-blob' || s.code === 'corrupt' || s.code === 'digest-mismatch' || s.code === 'truncated')
      problems.push({ code: integrityCode(s.code), blob: s.descriptor.digest, message: s.reason });

  for (const a of await archiveAmbiguities(archive, opts))
    problems.push({ code: 'ambiguous-json', blob: a.blob, image: a.image, message: a.message });

  let checked = 0;
  for (const job of jobs) {
    throwIfAborted(opts.signal);
    const base = { blob: job.descriptor.digest, image: job.image, layer: job.layer?.index, path: job.path };
    const name = describe(job);
    if (!job.blob) {
      problems.push({ ...base, code: 'missing-blob', message: `${name} is not in the archive.` });
      continue;
    }
    checked++;
    const before = done;
    try {
      await checkBlob(job, job.blob, problems, base, name, (n) => advance(n, job.descriptor.digest), opts);
    } catch (e) {
      const err = asLwError(e);
      if (err.code === 'cancelled') throw err;
      problems.push({ ...base, code: integrityCode(err.code), message: `${name}: ${err.message}` });
    }
    // Whatever was read, the blob counts as done for progress.
    advance(before + job.blob.size - done, job.descriptor.digest);
  }
  const ok = problems.length === 0;
  return { ok, problems, blobs: checked, bytes: done, ms: Date.now() - t0 };
}

function describe(j: Job): string {
  const what = j.kind === 'layer' ? `Layer ${j.layer?.index}` : j.kind === 'config' ? 'The config' : j.kind === 'manifest' ? 'The manifest' : j.kind === 'blob' ? 'The blob' : 'The index';
  return `${what} ${j.descriptor.digest}${j.path ? ` (${j.path})` : ''}`;
}

type Base = Pick<VerifyProblem, 'blob' | 'image' | 'layer' | 'path'>;

async function checkBlob(
  job: Job,
  blob: Blob,
  problems: VerifyProblem[],
  base: Base,
  name: string,
  advance: (n: number) => void,
  { signal, cache }: VerifyOptions,
): Promise<void> {
  const d = job.descriptor;
  if (!job.layer?.digestFromDiffId && blob.size !== d.size)
    problems.push({ ...base, code: 'size-mismatch', expected: String(d.size), actual: String(blob.size), message: `${name} is ${blob.size} bytes; its descriptor says ${d.size}.` });
  // sha256 and sha512 are the image-spec's registered algorithms; each blob is hashed with the one naming it.
  const algorithm = digestAlgorithm(d.digest);
  const digestOk = algorithm !== undefined;
  if (!digestOk)
    problems.push({ ...base, code: 'unsupported-digest', message: `${name}: only sha256 and sha512 digests can be checked.` });

  if (!job.layer) {
    if (!digestOk) return;
    const actual = await digestBlob(blob, { signal, onProgress: progressDelta(advance), algorithm });
    if (actual !== d.digest) problems.push(mismatch(base, 'digest-mismatch', d.digest, actual, name));
    return;
  }

  // Layers: the stored digest and the diff_id in one read (layers/unpack.ts). The media type says what it should
  // be; the magic bytes say what it is (a mislabelled layer still decompresses, as engines do, and diagnose reports
  // the label).
  const declared = layerCompression(d.mediaType);
  if (declared === undefined)
    problems.push({ ...base, code: 'unknown-media-type', message: `${name} has media type ${d.mediaType || '(none)'}, which is not a layer type layerwright reads.` });
  const diffIdAlgorithm = job.layer.diffId !== undefined ? digestAlgorithm(job.layer.diffId) : undefined;
  // The tar is parsed to its end, as diagnose and the engines do: a layer cut inside a header whose digests were
  // recomputed still fails here (issue 14), and names the engines read differently are judged (layers/names.ts).
  const r = await job.layer.unpack({
    signal,
    onBytes: advance,
    cache,
    algorithm,
    diffIdAlgorithm,
    reuseParsed: true,
    consume: (tar) => scanLayerTar(tar, { signal }),
  });
  if (r.compression === 'bzip2' || r.compression === 'xz') {
    problems.push({ ...base, code: 'unknown-media-type', message: `${name} is ${r.compression}-compressed; only gzip, zstd and plain tar layers can be checked.` });
    if (digestOk && r.digest !== d.digest) problems.push(mismatch(base, 'digest-mismatch', d.digest, r.digest, name));
    return;
  }
  if (r.size !== blob.size)
    problems.push({ ...base, code: 'layer-unreadable', message: `${name}: read ${r.size} of ${blob.size} bytes.` });
  if (digestOk && !job.layer.digestFromDiffId && r.digest !== d.digest) problems.push(mismatch(base, 'digest-mismatch', d.digest, r.digest, name));
  if (r.error) {
    problems.push({ ...base, code: integrityCode(r.error.code), message: `${name}: ${r.error.message}` });
    return;
  }
  for (const n of r.result?.names ?? r.names ?? [])
    if (n.code !== 'dotdot-in-name') // a warning in diagnose: the layer still loads
      problems.push({ ...base, code: n.code, message: `${name}: ${n.message}` });
  const diffId = job.layer.diffId;
  if (diffId !== undefined && r.diffId !== diffId)
    problems.push({
      ...base,
      code: 'diffid-mismatch',
      expected: diffId,
      actual: r.diffId,
      message: `${name} uncompresses to ${r.diffId}, but the config's diff_id says ${diffId}.`,
    });
}

function mismatch(base: Base, code: VerifyProblemCode, expected: string, actual: string, name: string): VerifyProblem {
  return { ...base, code, expected, actual, message: `${name} hashes to ${actual}, not to the digest that names it.` };
}

/** digestBlob reports absolute progress per blob; the verify total wants increments. */
function progressDelta(advance: (n: number) => void): (done: number) => void {
  let last = 0;
  return (d) => {
    if (d > last) advance(d - last);
    last = d;
  };
}
