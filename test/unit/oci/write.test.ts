import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { MediaType } from '../../../src/engine/oci/types';
import { dockerRepoTag, toLayout, writeDockerArchive, writeOciArchive } from '../../../src/engine/oci/write';
import { inspect } from '../../../src/engine/ops/inspect';
import { verify } from '../../../src/engine/ops/verify';
import { scanTar } from '../../../src/engine/tar/reader';
import { SLICE_CHUNK } from '../../../src/engine/io';
import { SIMPLE_LAYERS, filesToTar, makeDockerLegacy, makeOciLayout, sha256 } from '../../fixtures/images';

const env = { scratch: memoryScratch() };

describe('writers', () => {
  it('writeOciArchive: deterministic bytes and header fields; reads back identically', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const archive = await openImage(filesToTar(built.files), env);
    const a = writeOciArchive(toLayout(archive));
    const b = writeOciArchive(toLayout(await openImage(filesToTar(built.files), env)));
    expect(sha256(new Uint8Array(await a.arrayBuffer()))).toBe(sha256(new Uint8Array(await b.arrayBuffer())));
    const entries = await scanTar(a);
    expect(entries.map((e) => e.path).slice(0, 4)).toEqual(['oci-layout', 'index.json', 'blobs/', 'blobs/sha256/']);
    for (const e of entries) {
      expect([e.mtime, e.uid, e.gid, e.uname, e.gname]).toEqual([0, 0, 0, '', '']);
      expect(e.mode).toBe(e.type === 'dir' ? 0o755 : 0o644);
    }
    const back = await openImage(a, env);
    expect(inspect(back)).toEqual(inspect(archive));
  });

  it('writeDockerArchive: manifest.json next to the layout; tags become RepoTags', async () => {
    const built = await makeOciLayout([
      { layers: SIMPLE_LAYERS, tag: 'latest' },
      { layers: [SIMPLE_LAYERS[0]], tag: 'registry.example:5000/team/app:2.0' },
    ]);
    const out = toLayout(await openImage(filesToTar(built.files), env));
    const blob = await writeDockerArchive(out);
    const back = await openImage(blob, env);
    expect(back.format).toBe('oci-layout');
    // A bare tag gets no invented repository: the image is listed untagged (`null`, as `docker save` writes it).
    expect(back.dockerManifest!.map((e) => e.RepoTags)).toEqual([null, ['registry.example:5000/team/app:2.0']]);
    expect(back.dockerManifest![0].Layers).toEqual(built.images[0].layerDigests.map((d) => `blobs/sha256/${d.slice(7)}`));
    expect((await verify(back)).ok).toBe(true);
  });

  it('a docker-archive converts to an OCI archive (synthesized manifests become blobs, RepoTags ref.names)', async () => {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS, 'example/app:1.0');
    const archive = await openImage(filesToTar(legacy.files), env);
    const back = await openImage(writeOciArchive(toLayout(archive)), env);
    expect(back.format).toBe('oci-layout');
    expect(inspect(back).images[0]).toEqual(inspect(archive).images[0]);
    expect((await verify(back)).ok).toBe(true);
  });

  it('dockerRepoTag', () => {
    expect(dockerRepoTag('latest')).toBeUndefined();
    expect(dockerRepoTag('v1.2', 'me/app')).toBe('me/app:v1.2');
    expect(dockerRepoTag('docker.io/library/alpine:3.19')).toBe('docker.io/library/alpine:3.19');
    expect(dockerRepoTag('example/app')).toBe('example/app:latest');
    expect(dockerRepoTag('localhost:5000/app:x')).toBe('localhost:5000/app:x');
    expect(dockerRepoTag('alpine@sha256:' + 'a'.repeat(64))).toBeUndefined();
    expect(dockerRepoTag('Bad/Name:1')).toBeUndefined();
  });
});

describe('verify reads each layer once', () => {
  // A whole read of a stored blob is io.ts sliceStream: slice(0, SLICE_CHUNK) starts one (sniffing reads only a few bytes).
  class CountingBlob extends Blob {
    streams = 0;
    override slice(start?: number, end?: number, type?: string) {
      if (start === 0 && end === SLICE_CHUNK) this.streams++;
      return super.slice(start, end, type);
    }
    override stream(): ReturnType<Blob['stream']> {
      this.streams++;
      return super.stream();
    }
  }
  it('one read per gzip layer for digest + diff_id', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const archive = await openImage(filesToTar(built.files), env);
    const layer = archive.images[0].layers[0];
    const counting = new CountingBlob([await layer.blob!.arrayBuffer()]);
    layer.blob = counting;
    const v = await verify(archive);
    expect(v.ok).toBe(true);
    expect(counting.streams).toBe(1);
  });
});

describe('docker-archive with a gzip layer.tar', () => {
  it('hashes the compressed file for its digest and labels it gzip', async () => {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS);
    const path = `${legacy.ids[0]}/layer.tar`;
    const gz = gzipSync(legacy.files.get(path)!, { mtime: 0 });
    legacy.files.set(path, gz);
    const archive = await openImage(filesToTar(legacy.files), env);
    const l = inspect(archive).images[0].layers[0];
    expect(l).toEqual({ digest: sha256(gz), size: gz.length, mediaType: MediaType.DockerLayerGzip, diffId: legacy.diffIds[0] });
    expect((await verify(archive)).ok).toBe(true);
  });
});
