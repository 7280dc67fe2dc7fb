// The deterministic fuzz corpus: seeds, byte mutations of whole archives and of layers, re-chained layer
// mutations (digests recomputed so the damage reaches the tar reader), corrupt JSON and wrong descriptors.
// Every case has an expectation: 'pass' (a valid variant), 'fail' (provably broken: must not verify clean)
// or 'any' (either a clean result or a typed error is acceptable).

import { gzipSync } from 'node:zlib';
import { Rng } from './prng';
import { BLOB_OPS, TAR_OPS, cat, mutate } from './mutate';
import { LAYER_A_BZ2, LAYER_A_XZ, LAYER_A_ZST, LAYER_A_ZST_2FRAMES } from './compressed-seeds';
import { docker25Files, dockerFiles, gz, hex, layerA, layerB, ociFiles, packFiles, type Json, type OciHooks } from './seeds';

export type Expect = 'pass' | 'fail' | 'any';
export interface Case {
  name: string;
  group: string;
  op: string;
  /** 'image' goes through openImage/inspect/verify; 'layer' through decompress + readTar. */
  kind: 'image' | 'layer';
  bytes: Uint8Array;
  expect: Expect;
}

const enc = new TextEncoder();

const SHA_OTHER = 'sha256:' + 'ab'.repeat(32);

/** Malformed JSON texts for index.json, a manifest or a config. */
const BAD_JSON: [string, string][] = [
  ['empty', ''],
  ['open-brace', '{'],
  ['null', 'null'],
  ['array', '[]'],
  ['object', '{}'],
  ['string', '"x"'],
  ['number', '12'],
  ['deep-nesting', '['.repeat(200_000) + ']'.repeat(200_000)],
  ['deep-object', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)],
  ['trailing-comma', '{"schemaVersion":2,}'],
  ['junk-after', '{"schemaVersion":2} junk'],
  ['bom', '\ufeff{"schemaVersion":2}'],
  ['nan', '{"schemaVersion":NaN}'],
  ['proto', '{"__proto__":{"polluted":1},"schemaVersion":2}'],
];

type Patch = [string, (o: Json) => Json];
const ociLayer0 = (f: (l: Json) => void): ((m: Json) => Json) => (m) => (f(m.layers[0]), m);

const MANIFEST_PATCHES: Patch[] = [
  ['no-config', (m) => (delete m.config, m)],
  ['no-layers', (m) => (delete m.layers, m)],
  ['layers-object', (m) => ((m.layers = { a: 1 }), m)],
  ['layers-null-item', (m) => ((m.layers = [null, ...m.layers]), m)],
  ['layers-empty', (m) => ((m.layers = []), m)],
  ['schema-1', (m) => ((m.schemaVersion = 1), m)],
  ['digest-number', ociLayer0((l) => (l.digest = 5))],
  ['digest-short', ociLayer0((l) => (l.digest = 'sha256:abc'))],
  ['digest-sha512', ociLayer0((l) => (l.digest = 'sha512:' + 'a'.repeat(128)))],
  ['digest-traversal', ociLayer0((l) => (l.digest = 'sha256:../../../../etc/passwd'))],
  ['digest-uppercase', ociLayer0((l) => (l.digest = l.digest.toUpperCase()))],
  ['digest-missing', ociLayer0((l) => delete l.digest)],
  ['size-negative', ociLayer0((l) => (l.size = -1))],
  ['size-huge', ociLayer0((l) => (l.size = 1e300))],
  ['size-string', ociLayer0((l) => (l.size = String(l.size)))],
  ['size-fraction', ociLayer0((l) => (l.size = l.size + 0.5))],
  ['size-unsafe', ociLayer0((l) => (l.size = 2 ** 53 + 2))],
  ['size-missing', ociLayer0((l) => delete l.size)],
  ['mediatype-unknown', ociLayer0((l) => (l.mediaType = 'application/x-foo'))],
  ['mediatype-zstd', ociLayer0((l) => (l.mediaType = 'application/vnd.oci.image.layer.v1.tar+zstd'))],
  ['mediatype-tar', ociLayer0((l) => (l.mediaType = 'application/vnd.oci.image.layer.v1.tar'))],
  ['mediatype-number', ociLayer0((l) => (l.mediaType = 7))],
  ['config-is-layer', (m) => ((m.config = { ...m.layers[0] }), m)],
  ['config-mediatype-index', (m) => ((m.config.mediaType = 'application/vnd.oci.image.index.v1+json'), m)],
  ['urls', ociLayer0((l) => (l.urls = ['http://example.invalid/x']))],
];

const CONFIG_PATCHES: Patch[] = [
  ['no-rootfs', (c) => (delete c.rootfs, c)],
  ['diffids-string', (c) => ((c.rootfs.diff_ids = 'x'), c)],
  ['diffids-empty', (c) => ((c.rootfs.diff_ids = []), c)],
  ['diffids-extra', (c) => (c.rootfs.diff_ids.push(SHA_OTHER), c)],
  ['diffids-null', (c) => ((c.rootfs.diff_ids = null), c)],
  ['diffids-numbers', (c) => ((c.rootfs.diff_ids = [1, 2]), c)],
  ['diffids-swapped', (c) => (c.rootfs.diff_ids.reverse(), c)],
  ['diffid-bad-format', (c) => ((c.rootfs.diff_ids[0] = 'sha256:xyz'), c)],
  ['arch-number', (c) => ((c.architecture = 5), c)],
  ['no-os', (c) => (delete c.os, c)],
  ['history-string', (c) => ((c.history = 'x'), c)],
  ['history-nulls', (c) => ((c.history = [null, 1, 'x']), c)],
  ['history-object', (c) => ((c.history = { 0: {} }), c)],
  ['exposed-ports-string', (c) => ((c.config.ExposedPorts = 'x'), c)],
  ['volumes-null', (c) => ((c.config.Volumes = null), c)],
  ['entrypoint-object', (c) => ((c.config.Entrypoint = { a: 1 }), c)],
  ['rootfs-string', (c) => ((c.rootfs = 'layers'), c)],
  ['config-number', () => 5],
  ['config-array', () => [1, 2]],
  ['history-mismatch', (c) => (c.history.push({ created_by: 'extra' }), c)],
  ['history-empty-layer', (c) => ((c.history[0].empty_layer = true), c)],
  ['cmd-string', (c) => ((c.config.Cmd = '/bin/sh'), c)],
  ['env-object', (c) => ((c.config.Env = { a: 1 }), c)],
  ['labels-array', (c) => ((c.config.Labels = ['x']), c)],
  ['config-null', (c) => ((c.config = null), c)],
  ['created-garbage', (c) => ((c.created = 12), c)],
];

const INDEX_PATCHES: Patch[] = [
  ['no-manifests', (i) => (delete i.manifests, i)],
  ['manifests-empty', (i) => ((i.manifests = []), i)],
  ['manifests-string', (i) => ((i.manifests = 'x'), i)],
  ['manifest-empty-obj', (i) => ((i.manifests = [{}]), i)],
  ['manifest-null', (i) => ((i.manifests = [null]), i)],
  ['manifest-digest-other', (i) => ((i.manifests[0].digest = SHA_OTHER), i)],
  ['manifest-size-wrong', (i) => ((i.manifests[0].size += 1), i)],
  ['manifest-size-negative', (i) => ((i.manifests[0].size = -5), i)],
  ['manifest-as-index', (i) => ((i.manifests[0].mediaType = 'application/vnd.oci.image.index.v1+json'), i)],
  ['manifest-mediatype-unknown', (i) => ((i.manifests[0].mediaType = 'application/x-unknown'), i)],
  ['annotations-string', (i) => ((i.manifests[0].annotations = 'x'), i)],
  ['platform-garbage', (i) => ((i.manifests[0].platform = { os: 1, architecture: [] }), i)],
  ['duplicate-entry', (i) => ((i.manifests = [i.manifests[0], i.manifests[0]]), i)],
  ['schema-3', (i) => ((i.schemaVersion = 3), i)],
];

/** Patches that certainly make verification fail (content no longer matches its descriptor). */
const MUST_FAIL = new Set([
  'manifest:digest-short',
  'manifest:digest-sha512',
  'manifest:digest-traversal',
  'manifest:digest-missing',
  'manifest:size-negative',
  'manifest:size-huge',
  'manifest:size-fraction',
  'manifest:size-unsafe',
  'manifest:config-is-layer',
  'config:diffids-empty',
  'config:diffids-swapped',
  'config:diffid-bad-format',
  'config:diffids-numbers',
  'index:manifest-digest-other',
  'index:manifest-size-wrong',
  'index:manifest-size-negative',
]);

function ociTar(h: OciHooks = {}) {
  return packFiles(ociFiles(h).files).bytes;
}

/** A valid layer split into two gzip members (multi-member gzip, which Chromium's DecompressionStream rejects). */
function multiMember(tar: Uint8Array, at: number): Uint8Array {
  return cat(gz(tar.subarray(0, at)), gz(tar.subarray(at)));
}

/** `scale` multiplies the random groups (the fixed lists of JSON/descriptor cases stay as they are). */
export function buildCorpus(seed = 0x1a7e5, scale = 2): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  const add = (c: Omit<Case, 'name'>) => cases.push({ ...c, name: `${String(cases.length).padStart(4, '0')} ${c.group}/${c.op}` });

  const A = layerA();
  const B = layerB();
  const oci = packFiles(ociFiles().files);
  const ociGz = gz(oci.bytes);
  const docker = packFiles(dockerFiles().files);
  const docker25 = packFiles(docker25Files().files);
  const gzA = gz(A.bytes);

  // --- seeds and valid variants: must open and verify clean
  add({ group: 'seed', op: 'oci-tar', kind: 'image', bytes: oci.bytes, expect: 'pass' });
  add({ group: 'seed', op: 'oci-tar.gz', kind: 'image', bytes: ociGz, expect: 'pass' });
  add({ group: 'seed', op: 'docker-archive', kind: 'image', bytes: docker.bytes, expect: 'pass' });
  add({ group: 'seed', op: 'docker25-archive', kind: 'image', bytes: docker25.bytes, expect: 'pass' });
  add({ group: 'seed', op: 'layer-a.tar', kind: 'layer', bytes: A.bytes, expect: 'pass' });
  add({ group: 'seed', op: 'layer-b.tar', kind: 'layer', bytes: B.bytes, expect: 'pass' });
  add({ group: 'seed', op: 'layer-a.tar.gz', kind: 'layer', bytes: gzA, expect: 'pass' });
  for (const at of [1, 511, 512, 4000, A.bytes.length - 1]) {
    const blob = multiMember(A.bytes, at);
    add({ group: 'valid', op: `multi-member-layer@${at}`, kind: 'image', bytes: ociTar({ layerBlobs: [blob, gz(B.bytes)] }), expect: 'pass' });
    add({ group: 'valid', op: `multi-member-raw@${at}`, kind: 'layer', bytes: blob, expect: 'pass' });
  }
  add({ group: 'valid', op: 'multi-member-outer', kind: 'image', bytes: multiMember(oci.bytes, 1024), expect: 'pass' });
  add({
    group: 'valid',
    op: 'uncompressed-layers',
    kind: 'image',
    bytes: ociTar({ layerBlobs: [A.bytes, B.bytes], mediaTypes: ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar'] }),
    expect: 'pass',
  });
  add({
    group: 'valid',
    op: 'extra-files',
    kind: 'image',
    bytes: ociTar({ files: (f) => (f.set('README', enc.encode('hi')), f.set('blobs/sha256/' + hex('junk'), enc.encode('junk'))) }),
    expect: 'pass',
  });
  {
    // nested index: index.json -> blob index -> manifest
    const img = ociFiles();
    const inner = JSON.parse(new TextDecoder().decode(img.files.get('index.json')!));
    const innerText = JSON.stringify({ schemaVersion: 2, mediaType: inner.mediaType, manifests: inner.manifests });
    img.files.set('blobs/sha256/' + hex(innerText), enc.encode(innerText));
    img.files.set(
      'index.json',
      enc.encode(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: 'sha256:' + hex(innerText), size: innerText.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
        }),
      ),
    );
    add({ group: 'valid', op: 'nested-index', kind: 'image', bytes: packFiles(img.files).bytes, expect: 'pass' });
  }

  // --- zstd layers (fzstd), and xz/bzip2 ones the engine must refuse with a typed error
  const ZST = 'application/vnd.oci.image.layer.v1.tar+zstd';
  add({ group: 'seed', op: 'layer-a.tar.zst', kind: 'layer', bytes: LAYER_A_ZST, expect: 'pass' });
  add({ group: 'valid', op: 'zstd-two-frames-raw', kind: 'layer', bytes: LAYER_A_ZST_2FRAMES, expect: 'pass' });
  add({ group: 'valid', op: 'zstd-layer', kind: 'image', bytes: ociTar({ layerBlobs: [LAYER_A_ZST, gz(B.bytes)], mediaTypes: [ZST, 'application/vnd.oci.image.layer.v1.tar+gzip'] }), expect: 'pass' });
  add({ group: 'valid', op: 'zstd-two-frames-layer', kind: 'image', bytes: ociTar({ layerBlobs: [LAYER_A_ZST_2FRAMES, gz(B.bytes)], mediaTypes: [ZST, 'application/vnd.oci.image.layer.v1.tar+gzip'] }), expect: 'pass' });
  for (const [name, blob] of [['xz', LAYER_A_XZ], ['bzip2', LAYER_A_BZ2]] as const) {
    add({ group: 'unsupported', op: `${name}-raw`, kind: 'layer', bytes: blob, expect: 'fail' });
    add({ group: 'unsupported', op: `${name}-layer`, kind: 'image', bytes: ociTar({ layerBlobs: [blob, gz(B.bytes)] }), expect: 'fail' });
  }
  for (let i = 0; i < 60 * scale; i++) {
    const m = mutate(rng, i % 3 === 2 ? LAYER_A_ZST_2FRAMES : LAYER_A_ZST, undefined, BLOB_OPS);
    add({ group: 'layer-zst', op: m.op, kind: 'layer', bytes: m.bytes, expect: m.op === 'trunc' ? 'fail' : 'any' });
  }
  for (let i = 0; i < 30 * scale; i++) {
    const m = mutate(rng, LAYER_A_ZST, undefined, BLOB_OPS);
    add({
      group: 'zst-rechained',
      op: m.op,
      kind: 'image',
      bytes: ociTar({ layerBlobs: [m.bytes, gz(B.bytes)], mediaTypes: [ZST, 'application/vnd.oci.image.layer.v1.tar+gzip'], diffIds: [A.bytes, B.bytes].map((t) => 'sha256:' + hex(t)) }),
      expect: m.op === 'trunc' ? 'fail' : 'any',
    });
  }

  // --- byte mutations of whole archives (outer tar headers, embedded blobs, JSON bytes)
  const outer: [string, { bytes: Uint8Array; layout: import('./tarbuild').TarLayout }, number][] = [
    ['oci-tar', oci, 240],
    ['docker-tar', docker, 150],
    ['docker25-tar', docker25, 60],
  ];
  for (const [group, src, n] of outer)
    for (let i = 0; i < n * scale; i++) {
      const m = mutate(rng, src.bytes, src.layout, TAR_OPS);
      add({ group, op: m.op, kind: 'image', bytes: m.bytes, expect: 'any' });
    }
  for (let i = 0; i < 50 * scale; i++) {
    const m = mutate(rng, ociGz, undefined, BLOB_OPS);
    add({ group: 'oci-tar.gz', op: 'gz-' + m.op, kind: 'image', bytes: m.bytes, expect: m.op === 'trunc' ? 'fail' : 'any' });
  }
  for (let i = 0; i < 50 * scale; i++) {
    const m = mutate(rng, oci.bytes, oci.layout, TAR_OPS);
    add({ group: 'oci-tar.gz', op: 'inner-' + m.op, kind: 'image', bytes: gz(m.bytes), expect: 'any' });
  }

  // --- a layer on its own (readTar over the raw or gzip stream)
  for (let i = 0; i < 300 * scale; i++) {
    const src = i % 4 === 3 ? B : A;
    const m = mutate(rng, src.bytes, src.layout, TAR_OPS);
    add({ group: 'layer-tar', op: m.op, kind: 'layer', bytes: m.bytes, expect: 'any' });
  }
  for (let i = 0; i < 60 * scale; i++) {
    const m = mutate(rng, gzA, undefined, BLOB_OPS);
    add({ group: 'layer-gz', op: m.op, kind: 'layer', bytes: m.bytes, expect: m.op === 'trunc' ? 'fail' : 'any' });
  }

  // --- re-chained: the damaged layer is named by its own digest and diff_id, so only the tar reader sees it
  for (let i = 0; i < 100 * scale; i++) {
    const m = mutate(rng, A.bytes, A.layout, TAR_OPS);
    add({ group: 'layer-rechained', op: m.op, kind: 'image', bytes: ociTar({ layerTars: [m.bytes, B.bytes] }), expect: 'any' });
  }
  const diffIds = [A.bytes, B.bytes].map((t) => 'sha256:' + hex(t));
  for (let i = 0; i < 60 * scale; i++) {
    const m = mutate(rng, gzA, undefined, BLOB_OPS);
    add({
      group: 'gz-rechained',
      op: m.op,
      kind: 'image',
      bytes: ociTar({ layerBlobs: [m.bytes, gz(B.bytes)], diffIds }),
      expect: m.op === 'trunc' ? 'fail' : 'any',
    });
  }

  // --- corrupt JSON, re-chained by digest (the parser sees it) and in the docker forms
  for (const [name, text] of BAD_JSON) {
    add({ group: 'json', op: `index:${name}`, kind: 'image', bytes: ociTar({ indexText: text }), expect: 'fail' });
    add({ group: 'json', op: `manifest:${name}`, kind: 'image', bytes: ociTar({ manifestText: text }), expect: 'fail' });
    add({ group: 'json', op: `config:${name}`, kind: 'image', bytes: ociTar({ configText: text }), expect: 'fail' });
    add({ group: 'json', op: `docker-manifest:${name}`, kind: 'image', bytes: packFiles(dockerFiles({ manifestText: text }).files).bytes, expect: 'fail' });
    add({ group: 'json', op: `docker-config:${name}`, kind: 'image', bytes: packFiles(dockerFiles({ configText: text }).files).bytes, expect: 'fail' });
    add({
      group: 'json',
      op: `docker25-manifest.json:${name}`,
      kind: 'image',
      bytes: packFiles(docker25Files({ files: (f) => f.set('manifest.json', enc.encode(text)) }).files).bytes,
      expect: 'any', // the OCI side of the archive is intact
    });
  }
  for (const [name, p] of MANIFEST_PATCHES)
    add({ group: 'json', op: `manifest:${name}`, kind: 'image', bytes: ociTar({ manifest: p }), expect: MUST_FAIL.has(`manifest:${name}`) ? 'fail' : 'any' });
  for (const [name, p] of CONFIG_PATCHES) {
    add({ group: 'json', op: `config:${name}`, kind: 'image', bytes: ociTar({ config: p }), expect: MUST_FAIL.has(`config:${name}`) ? 'fail' : 'any' });
    add({ group: 'json', op: `docker-config:${name}`, kind: 'image', bytes: packFiles(dockerFiles({ config: p }).files).bytes, expect: MUST_FAIL.has(`config:${name}`) ? 'fail' : 'any' });
  }
  for (const [name, p] of INDEX_PATCHES)
    add({ group: 'json', op: `index:${name}`, kind: 'image', bytes: ociTar({ index: p }), expect: MUST_FAIL.has(`index:${name}`) ? 'fail' : 'any' });
  const DOCKER_MANIFEST_PATCHES: Patch[] = [
    ['no-config', (m) => (delete m[0].Config, m)],
    ['config-missing-file', (m) => ((m[0].Config = 'nope.json'), m)],
    ['config-traversal', (m) => ((m[0].Config = '../../etc/passwd'), m)],
    ['layers-missing-file', (m) => ((m[0].Layers[0] = 'nope/layer.tar'), m)],
    ['layers-fewer', (m) => (m[0].Layers.pop(), m)],
    ['layers-string', (m) => ((m[0].Layers = 'x'), m)],
    ['layers-swapped', (m) => (m[0].Layers.reverse(), m)],
    ['repotags-number', (m) => ((m[0].RepoTags = 5), m)],
    ['repotags-null', (m) => ((m[0].RepoTags = null), m)],
    ['two-images', (m) => [m[0], m[0]]],
    ['empty', () => []],
  ];
  const dockerMustFail = new Set(['config-missing-file', 'layers-missing-file', 'layers-fewer', 'layers-swapped', 'empty', 'config-traversal', 'no-config']);
  for (const [name, p] of DOCKER_MANIFEST_PATCHES)
    add({ group: 'json', op: `docker-manifest:${name}`, kind: 'image', bytes: packFiles(dockerFiles({ manifest: p }).files).bytes, expect: dockerMustFail.has(name) ? 'fail' : 'any' });

  // --- wrong descriptors and missing files (content unchanged, references wrong)
  const img = ociFiles();
  const L0 = 'blobs/sha256/' + img.layerDigests[0];
  const fileCases: [string, OciHooks, Expect][] = [
    ['no-oci-layout', { files: (f) => f.delete('oci-layout') }, 'any'],
    ['no-index', { files: (f) => f.delete('index.json') }, 'fail'],
    ['missing-layer', { files: (f) => f.delete(L0) }, 'fail'],
    ['missing-config', { files: (f) => f.delete('blobs/sha256/' + img.configDigest) }, 'fail'],
    ['missing-manifest', { files: (f) => f.delete('blobs/sha256/' + img.manifestDigest) }, 'fail'],
    ['layer-renamed', { files: (f) => (f.set('blobs/sha256/' + 'cd'.repeat(32), f.get(L0)!), f.delete(L0)) }, 'fail'],
    ['layer-swapped-content', { files: (f) => f.set(L0, gz(B.bytes)) }, 'fail'],
    ['layer-empty', { files: (f) => f.set(L0, new Uint8Array(0)) }, 'fail'],
    ['layer-plus-byte', { files: (f) => f.set(L0, cat(f.get(L0)!, new Uint8Array(1))) }, 'fail'],
    // recompressed in place, manifest not updated: size and digest stale, diff_id right (fix re-addresses both)
    ['layer-recompressed', { files: (f) => f.set(L0, new Uint8Array(gzipSync(A.bytes, { level: 1 }))) }, 'fail'],
    ['config-replaced', { files: (f) => f.set('blobs/sha256/' + img.configDigest, enc.encode('{}')) }, 'fail'],
    ['layout-version-9', { files: (f) => f.set('oci-layout', enc.encode('{"imageLayoutVersion":"9.9.9"}')) }, 'any'],
    ['layout-garbage', { files: (f) => f.set('oci-layout', enc.encode('{{{')) }, 'any'],
  ];
  for (const [name, h, expect] of fileCases) add({ group: 'files', op: name, kind: 'image', bytes: ociTar(h), expect });
  const descCases: [string, (m: Json) => Json][] = [
    ['layer-size+1', ociLayer0((l) => (l.size += 1))],
    ['layer-size-1', ociLayer0((l) => (l.size -= 1))],
    ['layer-size-0', ociLayer0((l) => (l.size = 0))],
    ['layer-size-8g', ociLayer0((l) => (l.size = 8 * 2 ** 30))],
    ['layer-digest-other', ociLayer0((l) => (l.digest = SHA_OTHER))],
    ['layers-swapped', (m) => (m.layers.reverse(), m)],
    ['layer-duplicated', (m) => ((m.layers = [m.layers[0], ...m.layers]), m)],
    ['config-size+1', (m) => ((m.config.size += 1), m)],
    ['config-size-0', (m) => ((m.config.size = 0), m)],
    ['config-digest-other', (m) => ((m.config.digest = SHA_OTHER), m)],
  ];
  for (const [name, p] of descCases) add({ group: 'descriptor', op: name, kind: 'image', bytes: ociTar({ manifest: p }), expect: 'fail' });
  add({ group: 'descriptor', op: 'diffid-wrong', kind: 'image', bytes: ociTar({ diffIds: [SHA_OTHER, diffIds[1]] }), expect: 'fail' });
  add({ group: 'descriptor', op: 'gzip-as-tar', kind: 'image', bytes: ociTar({ mediaTypes: ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip'] }), expect: 'any' });
  add({ group: 'descriptor', op: 'tar-as-gzip', kind: 'image', bytes: ociTar({ layerBlobs: [A.bytes, gz(B.bytes)] }), expect: 'any' });
  return cases;
}
