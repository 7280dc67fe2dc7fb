// Archives other tools write that the readers and writers must take as they are (issue 8): one-platform exports
// of a multi-platform index, docker-archives whose config is not named by its digest, OCI artifacts beside (or
// instead of) images, Docker media types in OCI output, and tags nobody gave.

import { describe, expect, it } from 'vitest';
import {
  memoryScratch,
  openImage,
  toLayout,
  writeDockerArchive,
  writeOciArchive,
  toOciMediaTypes,
  rechain,
  diagnose,
  verify,
  inspect,
  AnnotationRefName,
  MediaType,
  blobPath,
  type ImageArchive,
  type Descriptor,
  type ImageIndex,
} from '../../../src/engine/index';
import { SIMPLE_LAYERS, addImage, filesToTar, makeDockerLegacy, makeOciLayout, sha256, type Files } from '../../fixtures/images';

const env = { scratch: memoryScratch() };
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));
const open = (files: Files) => openImage(filesToTar(files), env);
const errors = async (a: ImageArchive) => (await diagnose(a)).filter((p) => p.severity === 'error');

/** Stores a JSON document as a blob; returns its descriptor. */
function put(files: Files, mediaType: string, doc: unknown, extra: Partial<Descriptor> = {}): Descriptor {
  const bytes = json(doc);
  const digest = sha256(bytes);
  files.set(blobPath(digest), bytes);
  return { mediaType, digest, size: bytes.length, ...extra };
}

describe('one-platform export of a multi-platform index', () => {
  async function partial() {
    const built = await makeOciLayout(
      [
        { layers: SIMPLE_LAYERS, platform: { os: 'linux', architecture: 'amd64' } },
        { layers: [SIMPLE_LAYERS[0], [{ path: 'arm', content: 'x' }]], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
      { multiPlatform: true, tag: 'latest' },
    );
    // What containerd / oras export for one platform: the whole index, the other platform's blobs absent.
    const arm = built.images[1];
    built.files.delete(blobPath(arm.manifestDescriptor.digest));
    built.files.delete(blobPath(arm.manifest.config.digest));
    built.files.delete(blobPath(arm.layerDigests[1]));
    return { built, archive: await open(built.files), absent: arm.manifestDescriptor.digest };
  }

  it('open, verify and diagnose say "not present" (information), not missing-blob errors', async () => {
    const { archive, absent } = await partial();
    expect(archive.images).toHaveLength(1);
    expect(archive.skipped.map((s) => [s.descriptor.digest, s.absent])).toEqual([[absent, true]]);
    expect(archive.warnings.join('\n')).toMatch(/Not present: .* \(linux\/arm64\/v8\)/);
    expect((await verify(archive)).problems).toEqual([]);
    const problems = await diagnose(archive);
    expect(problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(problems.find((p) => p.blob === absent)).toMatchObject({ code: 'missing-blob', severity: 'info' });
  });

  it('rechain and both writers keep the index as it is and write only what is there', async () => {
    const { archive, absent } = await partial();
    const out = await rechain(archive, { gc: true });
    expect(out.blobs.has(absent)).toBe(false);
    expect(out.dropped).toEqual([]);
    const again = await openImage(writeOciArchive(out), env);
    expect(again.images.map((i) => i.manifestDescriptor.digest)).toEqual(archive.images.map((i) => i.manifestDescriptor.digest));
    expect((await verify(again)).problems).toEqual([]);
    const warnings: string[] = [];
    const docker = await openImage(await writeDockerArchive(out, { onWarning: (m) => warnings.push(m) }), env);
    expect(docker.dockerManifest).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/does not hold/);
  });
});

describe('docker-archive whose config file is not named by its digest', () => {
  async function renamed() {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS);
    const files = legacy.files;
    const name = `${legacy.configDigest.slice(7)}.json`;
    const other = `${'0'.repeat(64)}.json`;
    files.set(other, files.get(name)!);
    files.delete(name);
    const entries = JSON.parse(new TextDecoder().decode(files.get('manifest.json')!));
    entries[0].Config = other;
    files.set('manifest.json', json(entries));
    return { legacy, archive: await open(files) };
  }

  it('is addressed by what its bytes hash to (as moby loads it), and the verbs agree', async () => {
    const { legacy, archive } = await renamed();
    const img = archive.images[0];
    expect(img.manifest.config.digest).toBe(legacy.configDigest);
    expect(img.configPath).toBe(`${'0'.repeat(64)}.json`);
    expect(archive.warnings.join('\n')).toMatch(/not named by its digest/);
    expect((await verify(archive)).problems).toEqual([]);
    expect(await errors(archive)).toEqual([]);
  });

  it('is written consistently: the OCI output verifies, its config under its real digest', async () => {
    const { legacy, archive } = await renamed();
    const out = await toOciMediaTypes(toLayout(archive));
    const back = await openImage(writeOciArchive(out), env);
    expect(back.images[0].manifest.config.digest).toBe(legacy.configDigest);
    expect((await verify(back)).problems).toEqual([]);
    expect(await errors(back)).toEqual([]);
  });
});

describe('OCI artifacts', () => {
  async function withArtifacts(keepImage = true) {
    const files: Files = new Map([['oci-layout', json({ imageLayoutVersion: '1.0.0' })]]);
    const manifests: Descriptor[] = [];
    if (keepImage) {
      const img = await addImage(files, { layers: SIMPLE_LAYERS });
      manifests.push({ ...img.manifestDescriptor, annotations: { [AnnotationRefName]: 'v1' } });
    }
    // cosign: an image config, but its one layer is a signature payload, not a tar.
    const sigCfg = put(files, MediaType.OciConfig, { architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] } });
    const payload = put(files, 'application/vnd.dev.cosign.simplesigning.v1+json', { critical: { type: 'cosign container image signature' } });
    manifests.push(put(files, MediaType.OciManifest, { schemaVersion: 2, mediaType: MediaType.OciManifest, config: sigCfg, layers: [payload] }));
    // an SBOM as an OCI 1.1 artifact: artifactType and the empty config.
    const empty = put(files, MediaType.OciEmpty, {});
    const sbom = put(files, 'application/spdx+json', { spdxVersion: 'SPDX-2.3' });
    manifests.push(
      put(files, MediaType.OciManifest, { schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/spdx+json', config: empty, layers: [sbom] }, { artifactType: 'application/spdx+json' }),
    );
    // a Helm chart: its own config media type.
    const chartCfg = put(files, 'application/vnd.cncf.helm.config.v1+json', { name: 'demo', version: '0.1.0' });
    const chart = put(files, 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', { not: 'really a chart' });
    manifests.push(put(files, MediaType.OciManifest, { schemaVersion: 2, mediaType: MediaType.OciManifest, config: chartCfg, layers: [chart] }));
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
    files.set('index.json', json(index));
    return { files, sbom };
  }

  it('beside an image: not broken images; verify checks their blobs; diagnose finds no error', async () => {
    const { files } = await withArtifacts();
    const archive = await open(files);
    expect(archive.images).toHaveLength(1);
    expect(archive.skipped.map((s) => s.reason)).toEqual([
      expect.stringContaining('artifact'),
      expect.stringContaining('artifact (application/spdx+json)'),
      expect.stringContaining('artifact (application/vnd.cncf.helm.config.v1+json)'),
    ]);
    const v = await verify(archive);
    expect(v.problems).toEqual([]);
    expect(v.blobs).toBeGreaterThan(10);
    expect(await errors(archive)).toEqual([]);
  });

  it('a layout of artifacts only opens and verifies, and a corrupt artifact blob is found', async () => {
    const { files, sbom } = await withArtifacts(false);
    const archive = await open(files);
    expect(archive.images).toEqual([]);
    expect(inspect(archive).images).toEqual([]);
    expect((await verify(archive)).problems).toEqual([]);
    files.set(blobPath(sbom.digest), json({ spdxVersion: 'SPDX-9.9' }));
    const bad = await verify(await open(files));
    expect(bad.problems).toEqual([expect.objectContaining({ code: 'digest-mismatch', blob: sbom.digest })]);
  });

  it('--format docker leaves them out of manifest.json, with a warning; the OCI output keeps them', async () => {
    const { files } = await withArtifacts();
    const archive = await open(files);
    const warnings: string[] = [];
    const docker = await openImage(await writeDockerArchive(toLayout(archive), { onWarning: (m) => warnings.push(m) }), env);
    expect(docker.dockerManifest).toHaveLength(1);
    // The image's bare ref.name `v1` names no repository: said too (tags are never dropped silently).
    expect(warnings).toEqual([expect.stringMatching(/^3 artifacts .* left out of manifest.json/), expect.stringMatching(/"v1" names no repository/)]);
    const oci = await openImage(writeOciArchive(toLayout(archive)), env);
    expect(oci.skipped).toHaveLength(3);
    expect((await verify(oci)).problems).toEqual([]);
  });
});

describe('OCI output of a docker-archive', () => {
  it('converts media types as skopeo copy does; configs and layers keep their bytes', async () => {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS);
    const archive = await open(legacy.files);
    const out = await toOciMediaTypes(toLayout(archive));
    const back = await openImage(writeOciArchive(out), env);
    const img = back.images[0];
    expect(back.index!.manifests.map((d) => d.mediaType)).toEqual([MediaType.OciManifest]);
    expect(img.manifest.mediaType).toBe(MediaType.OciManifest);
    expect(img.manifest.config).toMatchObject({ mediaType: MediaType.OciConfig, digest: legacy.configDigest });
    expect(img.layers.map((l) => [l.descriptor.mediaType, l.descriptor.digest])).toEqual(legacy.diffIds.map((d) => [MediaType.OciLayer, d]));
    expect(img.tags).toEqual(['example/app:1.0']);
    expect((await verify(back)).problems).toEqual([]);
    // Nothing Docker-typed is left to convert; an OCI layout passes through untouched.
    expect(await toOciMediaTypes(out)).toBe(out);
    // The replaced Docker manifest is gone from the output.
    expect(out.blobs.has(archive.images[0].manifestDescriptor.digest)).toBe(false);
  });
});

describe('tags in docker output', () => {
  it('invents none: a tagless image and a bare ref.name give RepoTags null, as docker save writes them', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS }, { layers: [SIMPLE_LAYERS[0]], tag: 'latest' }]);
    const archive = await open(built.files);
    const docker = await openImage(await writeDockerArchive(toLayout(archive)), env);
    expect(docker.dockerManifest!.map((e) => e.RepoTags)).toEqual([null, null]);
    expect(docker.images.flatMap((i) => i.tags)).toEqual(['latest']);
  });
});

describe('Docker >= 25 save with "manifests": null', () => {
  it('uses the stored manifest under its own digest, invents none', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS }]);
    const img = built.images[0];
    built.files.set('index.json', json({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: null }));
    const p = (d: string) => blobPath(d);
    built.files.set('manifest.json', json([{ Config: p(img.manifest.config.digest), RepoTags: null, Layers: img.layerDigests.map(p) }]));
    const archive = await open(built.files);
    expect(archive.images).toHaveLength(1);
    expect(archive.images[0].manifestDescriptor).toMatchObject({ digest: img.manifestDescriptor.digest, mediaType: MediaType.OciManifest });
    expect(archive.images[0].manifestBlob).toBeDefined();
    expect(archive.images[0].layers.map((l) => l.descriptor.mediaType)).toEqual(img.manifest.layers.map((l) => l.mediaType));
    expect((await verify(archive)).problems).toEqual([]);
    expect(await errors(archive)).toEqual([]);
  });
});
