// Issue 14 / issue 8: ambiguous documents through the whole engine (open shows Go's reading, diagnose reports
// ambiguous-json as an error, verify fails, fix writes the unambiguous reading), and jib's lowercase manifest.json.

import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { verify } from '../../../src/engine/ops/verify';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { tarBlob } from '../../../src/engine/tar/writer';
import { file, layer, openBuilt, tarBytes } from '../layers/fixtures';

const enc = new TextEncoder();

describe('ambiguous JSON documents', () => {
  it('config/layers then Config/Layers: the model is what Docker reads; diagnose errs, verify fails', async () => {
    const seen = await layer([file('etc/seen-by-us')]);
    const docker = await layer([file('etc/seen-by-docker')]);
    const { archive } = await openBuilt({
      layers: [seen, docker],
      manifest: (m) => {
        const layers = m.layers as unknown[];
        m.layers = [layers[0]];
        m.Layers = [layers[1]];
      },
      config: (c) => {
        const rootfs = c.rootfs as { diff_ids: string[] };
        c.rootfs = { type: 'layers', diff_ids: [rootfs.diff_ids[1]] };
      },
    });
    expect(archive.images[0].layers.map((l) => l.descriptor.digest)).toEqual([docker.descriptor.digest]);
    const problems = await diagnose(archive);
    const amb = problems.filter((p) => p.code === 'ambiguous-json');
    expect(amb).toHaveLength(1);
    expect(amb[0]).toMatchObject({ severity: 'error', paths: ['layers'] });
    expect(amb[0].message).toMatch(/"layers" and "Layers"/);
    const v = await verify(archive);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.code)).toContain('ambiguous-json');
  });

  it('a BOM before index.json is refused, as Go refuses it (numbers: json-oracle.test.ts)', async () => {
    const l = await layer([file('a')]);
    const { built } = await openBuilt({ layers: [l] });
    const files = new Map(built.files);
    files.set('index.json', new Uint8Array([0xef, 0xbb, 0xbf, ...files.get('index.json')!]));
    const tar = (m: Map<string, Uint8Array>) => tarBlob([...m].map(([path, body]) => ({ header: { path, type: 'file' as const, size: body.length }, body })));
    await expect(openImage(tar(files), { scratch: memoryScratch() })).rejects.toMatchObject({ code: 'corrupt' });
  });
});

describe("jib's tarball (issue 8): manifest.json with lowercase keys", () => {
  it('opens, verifies and diagnoses clean, with its tags', async () => {
    const tar = await tarBytes([file('app/main.jar', 'jar')]);
    const gz = gzipSync(tar, { mtime: 0 });
    const hex = (await sha256Bytes(gz)).slice(7);
    const config = enc.encode(JSON.stringify({
      architecture: 'amd64', os: 'linux', created: '1970-01-01T00:00:00Z',
      config: { Entrypoint: ['java', '-jar', '/app/main.jar'] },
      rootfs: { type: 'layers', diff_ids: [await sha256Bytes(tar)] },
      history: [{ created_by: 'jib' }],
    }));
    const manifest = enc.encode(JSON.stringify([{ config: 'config.json', repoTags: ['example/jib:1.0'], layers: [`${hex}.tar.gz`] }]));
    const files: [string, Uint8Array][] = [['config.json', config], [`${hex}.tar.gz`, gz], ['manifest.json', manifest]];
    const archive = await openImage(tarBlob(files.map(([path, body]) => ({ header: { path, type: 'file' as const, size: body.length }, body }))), { scratch: memoryScratch() });
    expect(archive.format).toBe('docker-archive');
    expect(archive.images[0].tags).toEqual(['example/jib:1.0']);
    expect(archive.images[0].layers.map((l) => l.descriptor.digest)).toEqual([`sha256:${hex}`]);
    expect((await verify(archive)).ok).toBe(true);
    expect((await diagnose(archive)).filter((p) => p.severity === 'error')).toEqual([]);
  });
});
