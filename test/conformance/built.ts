// The tool-made half of the conformance corpus: images that umoci, skopeo, podman and buildah write, built at
// test time (offline) from a small busybox-static rootfs, plus the shapes no single tool writes here, composed
// from those tools' blobs (multi-platform and nested indexes, Docker >= 25, OCI artifacts, sparse layers).
// Built once per run into `dir`; every item is a file or a layout dir the harness runs every verb over.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, openSync, writeSync, ftruncateSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../interop/exec';
import type { Engines } from '../interop/engines';
import { findBusybox } from '../interop/fixtures';

export interface BuiltItem {
  id: string;
  /** Archive file or OCI layout dir. */
  path: string;
  /** Tag the reference tools address it by (skopeo `oci:DIR:TAG`, umoci). */
  tag?: string;
  origin: string;
}

const sha256 = (b: Uint8Array | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function rootfs(root: string): void {
  const p = (x: string) => join(root, x);
  for (const d of ['bin', 'etc', 'usr/bin', 'usr/share/doc', 'var/lib']) mkdirSync(p(d), { recursive: true });
  copyFileSync(findBusybox(), p('bin/busybox'));
  chmodSync(p('bin/busybox'), 0o755);
  // hardlinks, as busybox installs itself
  for (const a of ['sh', 'ls', 'cat', 'echo']) linkSync(p('bin/busybox'), p(`bin/${a}`));
  symlinkSync('../../bin/busybox', p('usr/bin/env'));
  writeFileSync(p('etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(p('etc/os-release'), 'ID=lw-conformance\n');
  // long names: a 180-byte path (ustar prefix+name, GNU 'L' or PAX `path` depending on the writer) and a 240-byte file name
  const deep = 'usr/share/doc/' + 'a-rather-long-directory-name-for-ustar/'.repeat(4);
  mkdirSync(p(deep), { recursive: true });
  writeFileSync(p(deep + 'README'), 'deep\n');
  writeFileSync(p('usr/share/doc/' + 'n'.repeat(240)), 'long file name\n');
  // non-ASCII name
  writeFileSync(p('usr/share/doc/café-ü.txt'), 'utf-8 name\n');
}

async function umociImage(layout: string, tag: string, root: string, arch = 'amd64'): Promise<void> {
  if (!existsSync(join(layout, 'index.json'))) await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:${tag}`]);
  const bundle = `${layout}-bundle-${tag}`;
  await run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  await run('cp', ['-a', `${root}/.`, join(bundle, 'rootfs')]);
  // an xattr on a file (PAX SCHILY.xattr.* in the layer)
  await run('python3', ['-c', `import os; os.setxattr(${JSON.stringify(join(bundle, 'rootfs/etc/os-release'))}, 'user.lw', b'conformance')`]);
  await run('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
  rmSync(bundle, { recursive: true, force: true });
  await run('umoci', ['config', '--image', `${layout}:${tag}`, '--config.cmd', '/bin/sh', '--architecture', arch, '--os', 'linux']);
  await run('umoci', ['gc', '--layout', layout]);
}

function tarDir(dir: string, out: string): Promise<unknown> {
  return run('tar', ['--sort=name', '-C', dir, '-cf', out, ...readdirSync(dir).sort()]);
}

function readJson(p: string): any {
  return JSON.parse(readFileSync(p, 'utf8'));
}

function putBlob(layout: string, bytes: Uint8Array | string): { digest: string; size: number } {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
  const digest = sha256(b);
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  writeFileSync(join(layout, 'blobs/sha256', digest.slice(7)), b);
  return { digest, size: b.length };
}

function copyLayout(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  execFileSync('cp', ['-a', `${src}/.`, dst]);
}

/** Builds every tool-made item into `dir` (skipping none: a missing tool fails the build). */
export async function buildToolItems(e: Engines, dir: string): Promise<BuiltItem[]> {
  mkdirSync(dir, { recursive: true });
  const p = (x: string) => join(dir, x);
  const items: BuiltItem[] = [];
  const add = (id: string, path: string, origin: string, tag?: string) => items.push({ id: `built/${id}`, path, origin, tag });

  const root = p('rootfs');
  rootfs(root);

  // umoci: gzip layers, PAX headers (xattrs, long names), hardlinks
  const umoci = p('umoci');
  await umociImage(umoci, 'latest', root);
  add('umoci-layout', umoci, 'umoci init/new/unpack/repack/config', 'latest');
  await tarDir(umoci, p('umoci.tar'));
  add('umoci-archive', p('umoci.tar'), 'tar of the umoci layout', 'latest');

  // skopeo: docker-archive (Docker < 25 form), zstd, zstd:chunked, uncompressed
  await e.skopeo(['copy', `oci:${umoci}:latest`, `docker-archive:${p('skopeo-docker.tar')}:lw/conformance:1`]);
  add('skopeo-docker-archive', p('skopeo-docker.tar'), 'skopeo copy to docker-archive:');
  await e.skopeo(['copy', '--dest-compress-format', 'zstd', `oci:${umoci}:latest`, `oci:${p('skopeo-zstd')}:latest`]);
  add('skopeo-zstd', p('skopeo-zstd'), 'skopeo copy --dest-compress-format zstd', 'latest');
  const chunked = await e.skopeo(['copy', '--dest-compress-format', 'zstd:chunked', `oci:${umoci}:latest`, `oci:${p('skopeo-zstd-chunked')}:latest`], { check: false });
  if (chunked.code === 0) add('skopeo-zstd-chunked', p('skopeo-zstd-chunked'), 'skopeo copy --dest-compress-format zstd:chunked', 'latest');
  await e.skopeo(['copy', '--dest-oci-accept-uncompressed-layers', `docker-archive:${p('skopeo-docker.tar')}`, `oci:${p('skopeo-uncompressed')}:latest`]);
  add('skopeo-uncompressed', p('skopeo-uncompressed'), 'skopeo copy docker-archive: -> oci: --dest-oci-accept-uncompressed-layers', 'latest');
  await e.skopeo(['copy', `oci:${umoci}:latest`, `oci-archive:${p('skopeo-oci.tar')}:latest`]);
  add('skopeo-oci-archive', p('skopeo-oci.tar'), 'skopeo copy to oci-archive:', 'latest');

  // podman: load, then save in both forms
  const loaded = (await e.podman(['load', '-i', p('skopeo-oci.tar')])).stdout;
  const id = /Loaded image[^:]*:\s*(\S+)/.exec(loaded)?.[1];
  if (!id) throw new Error(`podman load printed no image: ${loaded}`);
  await e.podman(['tag', id, 'localhost/lw-conformance:podman']);
  await e.podman(['save', '--format', 'oci-archive', '-o', p('podman-oci.tar'), 'localhost/lw-conformance:podman']);
  add('podman-oci-archive', p('podman-oci.tar'), 'podman save --format oci-archive', 'podman');
  await e.podman(['save', '--format', 'docker-archive', '-o', p('podman-docker.tar'), 'localhost/lw-conformance:podman']);
  add('podman-docker-archive', p('podman-docker.tar'), 'podman save --format docker-archive');

  // buildah: from scratch, copy the rootfs, commit in both formats
  const bstore = e.tmpdir('buildah');
  const buildah = (args: string[]) =>
    run('buildah', ['--storage-driver', 'vfs', '--root', join(bstore, 'root'), '--runroot', join(bstore, 'run'), ...args], { timeoutMs: 300_000, env: { ...process.env, TMPDIR: bstore } });
  const ctr = (await buildah(['from', 'scratch'])).stdout.trim();
  await buildah(['copy', ctr, `${root}/`, '/']);
  await buildah(['config', '--cmd', '/bin/sh', '--os', 'linux', '--arch', 'amd64', ctr]);
  await buildah(['commit', '--format', 'oci', ctr, `oci-archive:${p('buildah-oci.tar')}:latest`]);
  add('buildah-oci-archive', p('buildah-oci.tar'), 'buildah from scratch / copy / commit --format oci', 'latest');
  await buildah(['commit', '--format', 'docker', ctr, `docker-archive:${p('buildah-docker.tar')}:lw/buildah:1`]);
  add('buildah-docker-archive', p('buildah-docker.tar'), 'buildah commit --format docker to docker-archive:');

  // sparse files in a layer (GNU tar --sparse, old GNU and PAX 1.0 forms), appended by umoci raw add-layer
  for (const [fmt, flags] of [['gnu', ['--format=gnu']], ['pax', ['--format=pax']]] as const) {
    const sroot = p(`sparse-src-${fmt}`);
    mkdirSync(join(sroot, 'var/lib'), { recursive: true });
    const fd = openSync(join(sroot, 'var/lib/sparse.img'), 'w');
    for (let i = 0; i < 6; i++) writeSync(fd, Buffer.alloc(64, 0x61 + i), 0, 64, i * (1 << 18));
    ftruncateSync(fd, 4 << 20);
    closeSync(fd);
    await run('tar', ['--sparse', ...flags, '--numeric-owner', '--owner=0', '--group=0', '-C', sroot, '-cf', p(`sparse-${fmt}.tar`), 'var']);
    const layout = p(`umoci-sparse-${fmt}`);
    copyLayout(umoci, layout);
    await run('umoci', ['raw', 'add-layer', '--image', `${layout}:latest`, p(`sparse-${fmt}.tar`)]);
    add(`umoci-sparse-${fmt}`, layout, `umoci raw add-layer of a GNU tar --sparse --format=${fmt} layer`, 'latest');
  }

  // multi-platform: two umoci images (amd64, arm64) under one nested index, as a registry pull of a list stores it
  const multi = p('multi');
  await umociImage(multi, 'amd64', root, 'amd64');
  await umociImage(multi, 'arm64', root, 'arm64');
  const idx = readJson(join(multi, 'index.json'));
  const platformOf = (tag: string) => ({ os: 'linux', architecture: tag });
  const list = {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: idx.manifests.map((m: any) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: platformOf(m.annotations['org.opencontainers.image.ref.name']) })),
  };
  const listDesc = putBlob(multi, JSON.stringify(list));
  writeFileSync(join(multi, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...listDesc, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  add('multi-platform', multi, 'two umoci images under one nested index (composed)', 'latest');
  await tarDir(multi, p('multi.tar'));
  add('multi-platform-archive', p('multi.tar'), 'tar of the multi-platform layout', 'latest');

  // nested twice: index.json -> index -> index -> manifests
  const nested = p('nested');
  copyLayout(multi, nested);
  const outer = putBlob(nested, JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...listDesc }] }));
  writeFileSync(join(nested, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...outer, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  add('nested-index', nested, 'index of an index of manifests (composed)', 'latest');

  // Docker >= 25 `docker save`: an OCI layout plus manifest.json naming blobs/sha256/... (composed from umoci's)
  const d25 = p('docker25');
  copyLayout(umoci, d25);
  const mdesc = readJson(join(d25, 'index.json')).manifests[0];
  const manifest = readJson(join(d25, 'blobs/sha256', mdesc.digest.slice(7)));
  writeFileSync(join(d25, 'manifest.json'), JSON.stringify([{
    Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
    RepoTags: ['lw/docker25:latest'],
    Layers: manifest.layers.map((l: any) => `blobs/sha256/${l.digest.slice(7)}`),
  }]));
  writeFileSync(join(d25, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...mdesc, annotations: { 'io.containerd.image.name': 'docker.io/lw/docker25:latest', 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  await tarDir(d25, p('docker25.tar'));
  add('docker25-archive', p('docker25.tar'), 'Docker >= 25 docker save form (OCI layout + manifest.json, composed)', 'latest');

  // sha512 names (image-spec descriptor.md registers sha512): umoci's image re-addressed, diff_ids left sha256
  const s512 = p('sha512');
  mkdirSync(join(s512, 'blobs/sha512'), { recursive: true });
  writeFileSync(join(s512, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const put512 = (b: Buffer) => {
    const digest = 'sha512:' + createHash('sha512').update(b).digest('hex');
    writeFileSync(join(s512, 'blobs/sha512', digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const blobOf = (d: string) => readFileSync(join(umoci, 'blobs/sha256', d.slice(7)));
  const m512 = {
    ...manifest,
    config: { ...manifest.config, ...put512(blobOf(manifest.config.digest)) },
    layers: manifest.layers.map((l: any) => ({ ...l, ...put512(blobOf(l.digest)) })),
  };
  writeFileSync(join(s512, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: mdesc.mediaType, ...put512(Buffer.from(JSON.stringify(m512))), annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  add('sha512-layout', s512, 'umoci\'s image with every blob named by sha512 (composed)', 'latest');

  // OCI artifacts beside an image: an SBOM-like artifact whose subject is the image (image-spec 1.1 manifest with
  // artifactType and the empty config), and a layout holding only an artifact
  const art = p('artifact');
  copyLayout(umoci, art);
  const empty = putBlob(art, '{}');
  const sbom = putBlob(art, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'lw-conformance' }));
  const artManifest = {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
    layers: [{ mediaType: 'application/spdx+json', ...sbom }],
    subject: { mediaType: mdesc.mediaType, digest: mdesc.digest, size: mdesc.size },
  };
  const artDesc = putBlob(art, JSON.stringify(artManifest));
  const artIndex = readJson(join(art, 'index.json'));
  artIndex.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...artDesc, artifactType: 'application/spdx+json' });
  writeFileSync(join(art, 'index.json'), JSON.stringify(artIndex));
  add('artifact-beside-image', art, 'umoci image + an SBOM artifact referring to it (composed)', 'latest');
  const only = p('artifact-only');
  mkdirSync(only);
  writeFileSync(join(only, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const e2 = putBlob(only, '{}');
  const s2 = putBlob(only, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'alone' }));
  const a2 = putBlob(only, JSON.stringify({ ...artManifest, subject: undefined, config: { mediaType: 'application/vnd.oci.empty.v1+json', ...e2 }, layers: [{ mediaType: 'application/spdx+json', ...s2 }] }));
  writeFileSync(join(only, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...a2, artifactType: 'application/spdx+json', annotations: { 'org.opencontainers.image.ref.name': 'sbom' } }] }));
  add('artifact-only', only, 'a layout holding only an OCI artifact (composed)', 'sbom');

  return items;
}
