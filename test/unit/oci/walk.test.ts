// The one index walker (oci/walk.ts) and what stands on it: open, write, rechain and diagnose on hostile index
// graphs (self-listing, mutual cycles, 10,000-deep chains, a DAG of K^depth paths) end quickly with an answer.

import { describe, expect, it } from 'vitest';
import {
  memoryScratch,
  openImage,
  reachable,
  walkIndex,
  pathAnnotations,
  reachableDigests,
  MAX_INDEX_DEPTH,
  writeDockerArchive,
  writeOciArchive,
  rechain,
  diagnose,
  verify,
  AnnotationRefName,
  MediaType,
  blobPath,
  type Descriptor,
  type ImageIndex,
} from '../../../src/engine/index';
import { SIMPLE_LAYERS, filesToTar, makeOciLayout, sha256, type Files } from '../../fixtures/images';

const env = { scratch: memoryScratch() };
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

function indexDoc(manifests: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
}

/** Stores an index and returns its descriptor. */
function putIndex(files: Files, manifests: Descriptor[], digest?: string): Descriptor {
  const bytes = json(indexDoc(manifests));
  const d = digest ?? sha256(bytes);
  files.set(blobPath(d), bytes);
  return { mediaType: MediaType.OciIndex, digest: d, size: bytes.length };
}

async function baseLayout() {
  const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
  return { files: built.files, image: built.images[0].manifestDescriptor };
}

/** A source function over a Files map, counting how often each blob is asked for. */
function sourceOf(files: Files, counts = new Map<string, number>()) {
  return (d: string) => {
    counts.set(d, (counts.get(d) ?? 0) + 1);
    const b = files.get(blobPath(d));
    return b ? new Blob([b as Uint8Array<ArrayBuffer>]) : undefined;
  };
}

describe('walkIndex', () => {
  it('records an index that lists itself as a cycle and keeps the image beside it', async () => {
    const { files, image } = await baseLayout();
    const self = sha256(enc.encode('a name that is not the hash of the document'));
    const selfD = putIndex(files, [{ mediaType: MediaType.OciIndex, digest: self, size: 1 }, image], self);
    const g = await walkIndex(indexDoc([selfD]), sourceOf(files));
    expect(g.issues.map((i) => i.code)).toEqual(['cycle']);
    expect([...g.nodes.keys()]).toEqual([self, image.digest]);
    expect(g.postorder).toEqual([image.digest, self]);
    expect(g.cut.has(`${self} ${self}`)).toBe(true);
  });

  it('records a cycle through two indexes once and visits each document once', async () => {
    const { files, image } = await baseLayout();
    const a = sha256(enc.encode('a')), b = sha256(enc.encode('b'));
    putIndex(files, [{ mediaType: MediaType.OciIndex, digest: b, size: 1 }, image], a);
    putIndex(files, [{ mediaType: MediaType.OciIndex, digest: a, size: 1 }], b);
    const counts = new Map<string, number>();
    const g = await walkIndex(indexDoc([{ mediaType: MediaType.OciIndex, digest: a, size: 1 }, { mediaType: MediaType.OciIndex, digest: b, size: 1 }]), sourceOf(files, counts));
    expect(g.issues).toHaveLength(1);
    expect(g.issues[0].code).toBe('cycle');
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(g.nodes.get(image.digest)?.parents.map((p) => p.digest)).toEqual([a]);
  });

  it('stops a 10,000-deep chain at the depth limit without recursion', async () => {
    const { files, image } = await baseLayout();
    let d = image;
    for (let i = 0; i < 10_000; i++) d = putIndex(files, [d]);
    const t0 = performance.now();
    const g = await walkIndex(indexDoc([d]), sourceOf(files));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(g.issues.map((i) => i.code)).toEqual(['too-deep']);
    expect(g.nodes.size).toBe(MAX_INDEX_DEPTH);
    expect(g.nodes.has(image.digest)).toBe(false);
  });

  it('walks a DAG whose every level lists the next K times in linear time (K=100, depth 6: 10^12 paths)', async () => {
    const { files, image } = await baseLayout();
    let d: Descriptor = image;
    for (let level = 0; level < 6; level++)
      d = putIndex(files, Array.from({ length: 100 }, (_, i) => ({ ...d, annotations: { [AnnotationRefName]: `t${level}-${i % 2}` } })));
    const counts = new Map<string, number>();
    const t0 = performance.now();
    const g = await walkIndex(indexDoc([d]), sourceOf(files, counts));
    const tags = pathAnnotations(g, [AnnotationRefName]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(g.nodes.size).toBe(7);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // every path's ref.names reach the image: 2 per level
    expect(tags.get(image.digest)?.length).toBe(12);
    expect(reachableDigests(g).has(image.digest)).toBe(true);
  });

  it('refuses more distinct documents than its cap with a typed error', async () => {
    const { files, image } = await baseLayout();
    const many = Array.from({ length: 50 }, (_, i) => putIndex(files, [image], sha256(enc.encode(`x${i}`))));
    await expect(walkIndex(indexDoc(many), sourceOf(files), { maxDocuments: 20 })).rejects.toMatchObject({ code: 'too-large' });
  });
});

describe('verbs over hostile index graphs', () => {
  async function selfListing() {
    const { files, image } = await baseLayout();
    const self = sha256(enc.encode('self'));
    const selfD = putIndex(files, [{ mediaType: MediaType.OciIndex, digest: self, size: 1 }, image], self);
    files.set('index.json', json(indexDoc([{ ...selfD, annotations: { [AnnotationRefName]: 'latest' } }])));
    return { archive: await openImage(filesToTar(files), env), self, image };
  }

  it('open, diagnose, rechain and write end on an index that lists itself', async () => {
    const { archive, self, image } = await selfListing();
    expect(archive.images).toHaveLength(1);
    expect(archive.warnings.join('\n')).toMatch(/lists itself/);
    const problems = await diagnose(archive);
    expect(problems.some((p) => p.code === 'digest-mismatch')).toBe(true);
    const out = await rechain(archive, {});
    expect(out.blobs.has(self)).toBe(true);
    expect(out.blobs.has(image.digest)).toBe(true);
    const r = await verify(archive);
    expect(r.problems.some((p) => p.blob === self)).toBe(true);
    expect(reachable(archive).has(image.digest)).toBe(true);
    // Docker's manifest.json cannot express a cycle: a typed error, not a hang.
    await expect(writeDockerArchive(out)).rejects.toMatchObject({ code: 'corrupt' });
    const again = await openImage(writeOciArchive(out), env);
    expect(again.images[0].manifestDescriptor.digest).toBe(image.digest);
  });

  it('open and diagnose finish on the K^depth DAG', async () => {
    const { files, image } = await baseLayout();
    let d: Descriptor = image;
    for (let level = 0; level < 6; level++) d = putIndex(files, Array.from({ length: 100 }, () => d));
    files.set('index.json', json(indexDoc([{ ...d, annotations: { [AnnotationRefName]: 'latest' } }])));
    const t0 = performance.now();
    const archive = await openImage(filesToTar(files), env);
    const out = await rechain(archive, { gc: true });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(archive.images).toHaveLength(1);
    expect(archive.images[0].tags).toEqual(['latest']);
    expect(out.dropped).toEqual([]);
  });
});
