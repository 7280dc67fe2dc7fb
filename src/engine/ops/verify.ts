// verify: every blob the images reach is checked for size and digest, every layer's uncompressed content against
// the config's diff_id. A layer is read once: the compressed bytes are hashed on their way into the decompressor.
// All problems are collected (it never stops at the first); only cancellation ends it early.

import { LwError, asLwError, throwIfAborted, type ErrorCode } from '../errors';
import type { OpOptions } from '../env';
import type { ImageArchive } from '../oci/archive';
import type { Descriptor } from '../oci/types';
import { DIGEST_RE, layerCompression } from '../oci/types';
import { Sha256, digestBlob } from '../digest';
import { decompressStream, sniffBlob, type Compression } from '../compress';

export type VerifyProblemCode = Extract<
  ErrorCode,
  'digest-mismatch' | 'size-mismatch' | 'diffid-mismatch' | 'missing-blob' | 'truncated' | 'corrupt' | 'unsupported-media-type'
>;

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
  kind: 'index' | 'manifest' | 'config' | 'layer';
  descriptor: Descriptor;
  blob?: Blob;
  image: number;
  layer?: number;
  path?: string;
  diffId?: string;
  /** Docker-archive layer whose digest was taken from the diff_id: only the diff_id check means anything. */
  digestIsDiffId?: boolean;
}

const PROGRESS_STEP = 1024 * 1024;

/** Lists the distinct blobs to check, in image order (indexes, manifest, config, layers). */
function plan(archive: ImageArchive): Job[] {
  const jobs = new Map<string, Job>();
  const add = (j: Job) => {
    if (!jobs.has(j.descriptor.digest)) jobs.set(j.descriptor.digest, j);
  };
  archive.images.forEach((img, image) => {
    for (const p of img.parents) add({ kind: 'index', descriptor: p, blob: archive.blob(p.digest), image });
    if (!img.synthesized) add({ kind: 'manifest', descriptor: img.manifestDescriptor, blob: img.manifestBlob, image });
    add({ kind: 'config', descriptor: img.manifest.config, blob: img.configBlob, image, path: img.dockerEntry && img.synthesized ? img.dockerEntry.Config : undefined });
    for (const l of img.layers)
      add({
        kind: 'layer',
        descriptor: l.descriptor,
        blob: l.blob,
        image,
        layer: l.index,
        path: img.synthesized ? l.path : undefined,
        diffId: l.diffId,
        digestIsDiffId: img.synthesized && l.descriptor.digest === l.diffId,
      });
  });
  return [...jobs.values()];
}

/**
 * Checks the archive. Called as verify(archive, opts) or, like the other ops, verify(archive, env, opts)
 * (verify needs no scratch space, so env is ignored).
 */
export function verify(archive: ImageArchive, opts?: OpOptions): Promise<VerifyResult>;
export function verify(archive: ImageArchive, env: object | undefined, opts?: OpOptions): Promise<VerifyResult>;
export function verify(archive: ImageArchive, a?: object, b?: OpOptions): Promise<VerifyResult> {
  return run(archive, (b ?? a ?? {}) as OpOptions);
}

async function run(archive: ImageArchive, opts: OpOptions): Promise<VerifyResult> {
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
    if (s.code === 'missing-blob' || s.code === 'corrupt' || s.code === 'digest-mismatch' || s.code === 'truncated')
      problems.push({ code: s.code, blob: s.descriptor.digest, message: s.reason });

  let checked = 0;
  for (const job of jobs) {
    throwIfAborted(opts.signal);
    const base = { blob: job.descriptor.digest, image: job.image, layer: job.layer, path: job.path };
    const name = describe(job);
    if (!job.blob) {
      problems.push({ ...base, code: 'missing-blob', message: `${name} is not in the archive.` });
      continue;
    }
    checked++;
    const before = done;
    try {
      await checkBlob(job, job.blob, problems, base, name, (n) => advance(n, job.descriptor.digest), opts.signal);
    } catch (e) {
      const err = asLwError(e);
      if (err.code === 'cancelled') throw err;
      problems.push({ ...base, code: problemCode(err.code), message: `${name}: ${err.message}` });
    }
    // Whatever was read, the blob counts as done for progress.
    advance(before + job.blob.size - done, job.descriptor.digest);
  }
  const ok = problems.length === 0;
  return { ok, problems, blobs: checked, bytes: done, ms: Date.now() - t0 };
}

function problemCode(code: ErrorCode): VerifyProblemCode {
  switch (code) {
    case 'truncated':
    case 'unsupported-media-type':
    case 'digest-mismatch':
    case 'size-mismatch':
    case 'diffid-mismatch':
    case 'missing-blob':
      return code;
    default:
      return 'corrupt';
  }
}

function describe(j: Job): string {
  const what = j.kind === 'layer' ? `Layer ${j.layer}` : j.kind === 'config' ? 'The config' : j.kind === 'manifest' ? 'The manifest' : 'The index';
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
  signal?: AbortSignal,
): Promise<void> {
  const d = job.descriptor;
  if (!job.digestIsDiffId && blob.size !== d.size)
    problems.push({ ...base, code: 'size-mismatch', expected: String(d.size), actual: String(blob.size), message: `${name} is ${blob.size} bytes; its descriptor says ${d.size}.` });
  const digestOk = DIGEST_RE.test(d.digest);
  if (!digestOk)
    problems.push({ ...base, code: 'unsupported-media-type', message: `${name}: only sha256 digests can be checked.` });

  if (job.kind !== 'layer') {
    if (!digestOk) return;
    const actual = await digestBlob(blob, { signal, onProgress: progressDelta(advance) });
    if (actual !== d.digest) problems.push(mismatch(base, 'digest-mismatch', d.digest, actual, name));
    return;
  }

  // Layers: the stored digest and the diff_id in one read. The media type says what it should be; the magic
  // bytes say what it is (a mislabelled layer still decompresses, as engines do, and diagnose reports the label).
  const declared = layerCompression(d.mediaType);
  const kind = await sniffBlob(blob);
  if (declared === undefined)
    problems.push({ ...base, code: 'unsupported-media-type', message: `${name} has media type ${d.mediaType || '(none)'}, which is not a layer type layerwright reads.` });
  if (kind === 'bzip2' || kind === 'xz') {
    problems.push({ ...base, code: 'unsupported-media-type', message: `${name} is ${kind}-compressed; only gzip, zstd and plain tar layers can be checked.` });
    const actual = await digestBlob(blob, { signal, onProgress: progressDelta(advance) });
    if (digestOk && actual !== d.digest) problems.push(mismatch(base, 'digest-mismatch', d.digest, actual, name));
    return;
  }
  // A plain tar is its own uncompressed content: one hash serves as digest and diff_id.
  const r: Unpacked =
    kind === 'none'
      ? await digestBlob(blob, { signal, onProgress: progressDelta(advance) }).then((digest) => ({ digest, diffId: digest, compressedSize: blob.size }))
      : await hashAndUnpack(blob, kind, advance, signal);
  if (r.compressedSize !== blob.size)
    problems.push({ ...base, code: 'truncated', message: `${name}: read ${r.compressedSize} of ${blob.size} bytes.` });
  if (digestOk && !job.digestIsDiffId && r.digest !== d.digest) problems.push(mismatch(base, 'digest-mismatch', d.digest, r.digest, name));
  if (r.error) {
    problems.push({ ...base, code: problemCode(r.error.code), message: `${name}: ${r.error.message}` });
    return;
  }
  if (job.diffId !== undefined && r.diffId !== job.diffId)
    problems.push({
      ...base,
      code: 'diffid-mismatch',
      expected: job.diffId,
      actual: r.diffId,
      message: `${name} uncompresses to ${r.diffId}, but the config's diff_id says ${job.diffId}.`,
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

interface Unpacked {
  digest: string;
  compressedSize: number;
  diffId: string;
  error?: LwError;
}

/**
 * Hashes the stored bytes as they are pulled into the decompressor, and the decompressed bytes as they come out.
 * gzip tries the native DecompressionStream first (several times faster than fflate); when it refuses the data
 * for a reason other than truncation (Chromium rejects multi-member gzip), the blob is read again through our
 * own decoder, which decides. A decoding error still leaves the stored digest complete: the rest is drained.
 */
async function hashAndUnpack(blob: Blob, kind: Compression, advance: (n: number) => void, signal?: AbortSignal): Promise<Unpacked> {
  const native = kind === 'gzip' && typeof DecompressionStream !== 'undefined';
  if (native) {
    const r = await pass(blob, kind, advance, signal, true);
    if (!r.error || r.error.code === 'truncated' || r.error.code === 'cancelled') return r;
    // Discount the first pass: progress counts each stored byte once.
    advance(-r.compressedSize);
  }
  return pass(blob, kind, advance, signal, false);
}

async function pass(blob: Blob, kind: Compression, advance: (n: number) => void, signal: AbortSignal | undefined, native: boolean): Promise<Unpacked> {
  const stored = new Sha256();
  let compressedSize = 0;
  const reader = blob.stream().getReader();
  const readStored = async (): Promise<Uint8Array | undefined> => {
    throwIfAborted(signal);
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch (e) {
      throw new LwError('truncated', `The blob could not be read (changed or removed on disk?): ${(e as Error).message}`);
    }
    if (r.done) return undefined;
    stored.update(r.value);
    compressedSize += r.value.length;
    advance(r.value.length);
    return r.value;
  };
  // The decompressor may stop pulling early (an error, trailing bytes): its cancel does not reach `reader`,
  // which is drained below so the stored digest always covers every byte.
  const src = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const c = await readStored();
      if (c) ctrl.enqueue(c);
      else ctrl.close();
    },
  }, { highWaterMark: 0 });
  const out = native
    ? src.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
    : decompressStream(src, kind, { signal });
  const unpacked = new Sha256();
  let error: LwError | undefined;
  const outReader = out.getReader();
  try {
    for (;;) {
      const r = await outReader.read();
      if (r.done) break;
      unpacked.update(r.value);
    }
  } catch (e) {
    error = nativeError(e);
    if (error.code === 'cancelled') throw error;
    outReader.cancel().catch(() => {});
  }
  throwIfAborted(signal);
  while (await readStored());
  return { digest: 'sha256:' + stored.hex(), compressedSize, diffId: 'sha256:' + unpacked.hex(), error };
}

function nativeError(e: unknown): LwError {
  if (e instanceof LwError) return e;
  const msg = String((e as Error)?.message ?? e);
  if (/unexpected end of file|truncated/i.test(msg)) return new LwError('truncated', `The compressed stream ends early (${msg}).`);
  return asLwError(e, 'corrupt');
}
