// Images made by real tools (umoci, skopeo, GNU tar) open, inspect and verify, and our inspect agrees with
// skopeo digest for digest; our writers' output is read back by skopeo and umoci. Skipped without the tools.

import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/context';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { toLayout, writeDockerArchive, writeOciArchive } from '../../../src/engine/oci/write';
import { nodeScratch, openPath } from '../../../src/platform/node';
import type { InspectResult } from '../../../src/engine/ops/inspect';
import { verify } from '../../../src/engine/ops/verify';
import { SIMPLE_LAYERS, filesToTar, makeDockerLegacy, makeOciLayout, writeFiles } from '../../fixtures/images';
import { toOciMediaTypes } from '../../../src/engine/oci/convert';
import { AnnotationRefName } from '../../../src/engine/oci/types';
import { have, run, tempDir, umociLayout } from '../../fixtures/tools';

const tools = have('umoci') && have('skopeo') && have('tar');

function sha(s: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(s).digest('hex');
}

async function inspectJson(path: string): Promise<InspectResult> {
  let out = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: () => {}, stderrIsTTY: false };
  expect(await main(['inspect', '--json', path], io)).toBe(0);
  return JSON.parse(out);
}

async function verifyCode(path: string): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: () => {}, stderrIsTTY: false };
  return { code: await main(['verify', path], io), out };
}

/** skopeo's view: raw manifest bytes and raw config bytes. */
function skopeoView(ref: string): { manifestDigest: string; manifest: { config: { digest: string }; layers: { digest: string; size: number }[] }; configDigest: string } {
  const raw = run('skopeo', ['inspect', '--raw', ref]);
  const config = run('skopeo', ['inspect', '--config', '--raw', ref]);
  return { manifestDigest: sha(raw), manifest: JSON.parse(raw), configDigest: sha(config) };
}

describe.skipIf(!tools)('real tools: umoci, skopeo, tar', () => {
  const dir = tempDir('tools');
  const layout = umociLayout(dir, 'latest', [
    [{ path: 'etc/hostname', content: 'x\n' }, { path: 'bin/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 }],
    [{ path: 'etc/motd', content: 'hi\n' }, { path: 'sbin', symlink: 'bin' }],
  ]);
  const ociView = skopeoView(`oci:${layout}:latest`);

  const expectAgrees = (r: InspectResult, view = ociView, manifestToo = true) => {
    expect(r.images).toHaveLength(1);
    const img = r.images[0];
    if (manifestToo) expect(img.manifest.digest).toBe(view.manifestDigest);
    expect(img.config.digest).toBe(view.configDigest);
    expect(img.layers.map((l) => l.digest)).toEqual(view.manifest.layers.map((l) => l.digest));
    expect(img.platform).toBe('linux/amd64');
  };

  it('umoci layout as a folder, as `tar -cf` (with and without ./), as tar.gz', async () => {
    expectAgrees(await inspectJson(layout));
    run('tar', ['-cf', join(dir, 'layout.tar'), '-C', layout, '.']);
    run('tar', ['-cf', join(dir, 'layout-top.tar'), '-C', dir, 'layout']);
    run('tar', ['-czf', join(dir, 'layout.tar.gz'), '-C', layout, '.']);
    for (const f of ['layout.tar', 'layout-top.tar', 'layout.tar.gz']) {
      const r = await inspectJson(join(dir, f));
      expectAgrees(r);
      expect(r.images[0].tags).toEqual(['latest']);
      expect((await verifyCode(join(dir, f))).code).toBe(0);
    }
  });

  it('skopeo oci-archive and docker-archive', async () => {
    const oa = join(dir, 'oa.tar');
    const da = join(dir, 'da.tar');
    run('skopeo', ['copy', '-q', `oci:${layout}:latest`, `oci-archive:${oa}:latest`]);
    run('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${da}:example/app:1.0`]);
    expectAgrees(await inspectJson(oa), skopeoView(`oci-archive:${oa}:latest`));
    expect((await verifyCode(oa)).code).toBe(0);
    const d = await inspectJson(da);
    expect(d.format).toBe('docker-archive');
    expect(d.images[0].tags).toEqual(['docker.io/example/app:1.0']);
    // skopeo decompresses layers into a docker-archive: digests are the diff_ids. The manifest is synthesized by
    // each reader (skopeo labels the plain tar layers "tar.gzip"), so only config and layer digests compare.
    expectAgrees(d, skopeoView(`docker-archive:${da}`), false);
    expect(d.images[0].layers.map((l) => l.diffId)).toEqual(d.images[0].layers.map((l) => l.digest));
    expect((await verifyCode(da)).code).toBe(0);
  });

  it('a flipped byte in a layer of a tool-made layout: verify exits 1 naming the blob', async () => {
    const copy = join(dir, 'corrupt');
    run('cp', ['-r', layout, copy]);
    const victim = ociView.manifest.layers[0].digest;
    const p = join(copy, 'blobs', 'sha256', victim.slice(7));
    const b = readFileSync(p);
    b[Math.floor(b.length / 2)] ^= 0x40;
    writeFileSync(p, b);
    const r = await verifyCode(copy);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL [digest-mismatch] layer 0 ${victim}`);
  });

  it('our OCI archive and docker-archive are read by skopeo (digests checked) and umoci', async () => {
    const archive = await openImage(await openPath(layout), { scratch: nodeScratch() });
    const out = toLayout(archive);
    const oci = join(dir, 'ours-oci.tar');
    const docker = join(dir, 'ours-docker.tar');
    writeFileSync(oci, new Uint8Array(await writeOciArchive(out).arrayBuffer()));
    writeFileSync(docker, new Uint8Array(await (await writeDockerArchive(out, { repository: 'example/ours' })).arrayBuffer()));
    run('skopeo', ['copy', '-q', `oci-archive:${oci}:latest`, `dir:${join(dir, 'c1')}`]);
    run('skopeo', ['copy', '-q', `docker-archive:${docker}`, `dir:${join(dir, 'c2')}`]);
    expectAgrees(await inspectJson(oci));
    const rd = await inspectJson(docker);
    expect(rd.format).toBe('oci-layout'); // Docker >= 25 form: OCI layout + manifest.json
    expect(rd.images[0].tags).toEqual(['latest', 'example/ours:latest']);
    expect(JSON.parse(run('tar', ['-xOf', docker, 'manifest.json']))[0].RepoTags).toEqual(['example/ours:latest']);
    const x = join(dir, 'ours-extracted');
    mkdirSync(x);
    run('tar', ['-xf', oci, '-C', x]);
    run('umoci', ['unpack', '--rootless', '--image', `${x}:latest`, join(dir, 'ub')]);
    expect(existsSync(join(dir, 'ub', 'rootfs', 'bin', 'hello'))).toBe(true);
  });

  it('the OCI archive of a docker-archive has OCI media types: umoci and oci-image-tool accept it', async () => {
    const legacy = await makeDockerLegacy(SIMPLE_LAYERS);
    const archive = await openImage(filesToTar(legacy.files), { scratch: memoryScratch() });
    const asIs = toLayout(archive);
    const converted = await toOciMediaTypes(asIs);
    const retag = (o: typeof asIs) => ({ ...o, index: { ...o.index, manifests: o.index.manifests.map((d) => ({ ...d, annotations: { [AnnotationRefName]: 'latest' } })) } });
    const extract = async (o: typeof asIs, name: string) => {
      const tar = join(dir, `${name}.tar`);
      writeFileSync(tar, new Uint8Array(await writeOciArchive(retag(o)).arrayBuffer()));
      const x = join(dir, name);
      mkdirSync(x);
      run('tar', ['-xf', tar, '-C', x]);
      return x;
    };
    const docker = await extract(asIs, 'docker-typed');
    // What the conversion is for: umoci refuses a Docker v2s2 manifest.
    expect(() => run('umoci', ['unpack', '--rootless', '--image', `${docker}:latest`, join(dir, 'ub-docker')])).toThrow();
    const oci = await extract(converted, 'oci-typed');
    run('umoci', ['unpack', '--rootless', '--image', `${oci}:latest`, join(dir, 'ub-oci')]);
    expect(readFileSync(join(dir, 'ub-oci', 'rootfs', 'etc', 'motd'), 'utf8')).toBe('welcome\n');
    const validate = (x: string) => run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=latest', x]);
    expect(() => validate(docker)).toThrow();
    validate(oci);
    run('skopeo', ['copy', '-q', `oci:${oci}:latest`, `dir:${join(dir, 'c4')}`]);
    const r = await verify(await openImage(await openPath(oci), { scratch: memoryScratch() }));
    expect(r.problems).toEqual([]);
  });

  it('a layout we build is read by skopeo and umoci (fixtures are valid images)', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const d = join(dir, 'fixture-layout');
    await writeFiles(built.files, d);
    run('skopeo', ['copy', '-q', `oci:${d}:latest`, `dir:${join(dir, 'c3')}`]);
    run('umoci', ['unpack', '--rootless', '--image', `${d}:latest`, join(dir, 'ub2')]);
    expect(readFileSync(join(dir, 'ub2', 'rootfs', 'etc', 'motd'), 'utf8')).toBe('welcome\n');
    const v = await verify(await openImage(await openPath(d), { scratch: memoryScratch() }));
    expect(v.ok).toBe(true);
  });
});
