import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'fflate';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { defaultRepairs, fix, planFix } from '../../../src/engine/ops/fix';
import { verify } from '../../../src/engine/ops/verify';
import { memoryScratch } from '../../../src/engine/env';
import { indexesAbove, openImage, type ImageArchive } from '../../../src/engine/oci/archive';
import { writeDockerArchive, writeOciArchive } from '../../../src/engine/oci/write';
import { scanLayerTar } from '../../../src/engine/layers/scan';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { tarBlob } from '../../../src/engine/tar/writer';
import { bytesOf, dir, file, hard, layer, openBuilt, sym, wh, type E } from '../layers/fixtures';
import { APP, APP_WHITEOUTS, BASE, seedLayers } from './seedlike';

const env = { scratch: memoryScratch() };

async function fixAll(archive: ImageArchive) {
  const problems = await diagnose(archive);
  const repairs = defaultRepairs(planFix(archive, problems));
  const result = await fix(archive, repairs, env);
  const reopened = await openImage(writeOciArchive(result.out), env);
  return { problems, repairs, result, reopened };
}

async function layerPaths(archive: ImageArchive, i: number): Promise<string[]> {
  const blob = archive.images[0].layers[i].blob!;
  const tar = gunzipSync(await bytesOf(blob));
  const facts = await scanLayerTar(new Blob([tar as BlobPart]).stream());
  return facts.entries.map((e) => e.path);
}

const clean = (es: E[]) => es.map((e) => e.path.replace(/\/$/, ''));

describe('diagnose + fix: the merged-usr whiteout defect', () => {
  it('finds whiteouts under each symlink of the seed-like app layer, explains Docker and containerd', async () => {
    const { base, app } = await seedLayers();
    const { archive } = await openBuilt({ layers: [base, app] });
    const problems = await diagnose(archive);
    const wu = problems.filter((p) => p.code === 'whiteout-under-non-directory');
    expect(wu.map((p) => p.paths![0].split('/.wh.')[0]).sort()).toEqual(['bin', 'lib', 'sbin', 'var/log']);
    expect(wu.every((p) => p.severity === 'error' && p.layer === 1 && p.fix === 'drop-redundant-whiteouts')).toBe(true);
    expect(wu.flatMap((p) => p.paths).sort()).toEqual([...APP_WHITEOUTS].sort());
    const bin = wu.find((p) => p.paths![0].startsWith('bin/'))!;
    expect(bin.message).toContain('failed to mknod("/bin/bash", S_IFCHR, 0)');
    expect(bin.message).toContain('usr/bin/bash');
    expect(problems.filter((p) => p.severity === 'error')).toEqual(wu);
    // The symlinks hide base files with no twin at the target (bin/bash, sbin/init, ...): optional carry-over.
    const hides = problems.filter((p) => p.code === 'symlink-hides-lower-files');
    expect(hides.map((p) => p.paths)).toEqual([
      ['bin/bash', 'bin/cat'],
      ['lib/systemd/systemd', 'lib/x86_64-linux-gnu/libc.so.6'],
      ['sbin/init'],
      ['var/log/dpkg.log'],
    ]);
    expect(planFix(archive, problems).map((r) => [r.id, !!r.optional])).toEqual([
      ['drop-redundant-whiteouts', false],
      ['carry-over-hidden-files', true],
    ]);
  });

  it('carries hidden base files over into the symlink targets when asked (usrmerge)', async () => {
    const { base, app } = await seedLayers();
    const { archive } = await openBuilt({ layers: [base, app] });
    const problems = await diagnose(archive);
    const result = await fix(archive, planFix(archive, problems), env);
    expect(result.rewritten[0]).toMatchObject({ kind: 'layer', dropped: 7, carried: 8 });
    const reopened = await openImage(writeOciArchive(result.out), env);
    expect((await verify(reopened)).problems).toEqual([]);
    expect(await layerPaths(reopened, 1)).toEqual([
      ...clean(APP.filter((e) => !e.path.includes('.wh.'))),
      'usr/bin/bash', 'usr/bin/cat',
      'usr/lib/systemd', 'usr/lib/systemd/systemd', 'usr/lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu/libc.so.6',
      'usr/sbin/init',
      'var/volatile/log/dpkg.log',
    ]);
    // bin/sh: the app's own usr/bin/sh wins (not carried, not overwritten).
    expect(result.warnings).toEqual([]);
    expect((await diagnose(reopened)).filter((p) => p.severity !== 'info')).toEqual([]);
  });

  it('fixes it: only the app layer is rewritten, whiteouts gone, everything re-verifies', async () => {
    const { base, app } = await seedLayers();
    const { archive } = await openBuilt({ layers: [base, app] });
    const { repairs, result, reopened } = await fixAll(archive);
    expect(repairs.map((r) => r.id)).toEqual(['drop-redundant-whiteouts']);
    expect(repairs[0].description).toContain('7 whiteouts');
    // Unchanged base layer: the very input Blob.
    expect(result.out.blobs.get(base.descriptor.digest)).toBe(archive.blob(base.descriptor.digest));
    const kinds = result.rewritten.map((r) => r.kind);
    expect(kinds).toEqual(['layer', 'config', 'manifest']);
    expect(result.rewritten[0].dropped).toBe(7);
    expect(result.rewritten[0].before.digest).toBe(app.descriptor.digest);
    expect((await verify(reopened)).problems).toEqual([]);
    const left = await diagnose(reopened);
    expect(left.filter((p) => p.severity === 'error')).toEqual([]);
    expect([...new Set(left.map((p) => p.code))]).toEqual(['symlink-hides-lower-files']);
    expect(await layerPaths(reopened, 1)).toEqual(clean(APP.filter((e) => !e.path.includes('.wh.'))));
    expect(reopened.images[0].tags).toEqual(['latest']);
  });

  it('copies kept entries byte for byte (original headers and content)', async () => {
    const { base, app } = await seedLayers();
    const { archive } = await openBuilt({ layers: [base, app] });
    const { reopened } = await fixAll(archive);
    const before = gunzipSync(app.bytes);
    const after = gunzipSync(await bytesOf(reopened.images[0].layers[1].blob!));
    // Rebuild the expected tar by slicing the original entries we keep.
    const facts = await scanLayerTar(new Blob([before as BlobPart]).stream());
    expect(facts.entries.length).toBe(APP.length);
    const { readTar } = await import('../../../src/engine/tar/reader');
    const parts: Uint8Array[] = [];
    for await (const it of readTar(new Blob([before as BlobPart]).stream())) {
      if (it.entry.path.includes('.wh.')) continue;
      const end = it.entry.dataOffset + Math.ceil(it.entry.size / 512) * 512;
      parts.push(before.subarray(it.entry.offset, end));
    }
    const expected = new Uint8Array(await new Blob([...parts, new Uint8Array(1024)] as BlobPart[]).arrayBuffer());
    expect(after).toEqual(expected);
  });

  it('is deterministic: fixing twice gives byte-identical archives', async () => {
    const { base, app } = await seedLayers();
    const { archive } = await openBuilt({ layers: [base, app] });
    const a = await fixAll(archive);
    const b = await fixAll(archive);
    const ba = await bytesOf(writeOciArchive(a.result.out));
    const bb = await bytesOf(writeOciArchive(b.result.out));
    expect(await sha256Bytes(ba)).toBe(await sha256Bytes(bb));
  });

  it('fixes a middle layer, arbitrary paths and opaque whiteouts, nested index', async () => {
    const l0 = await layer([...BASE, dir('opt/'), dir('opt/app/'), file('opt/app/old'), dir('srv/')]);
    const l1 = await layer([sym('opt/app', '/srv/app'), wh('opt/app/.wh.old'), wh('bin/.wh.cat'), dir('srv/app/'), file('srv/app/new')]);
    const l2 = await layer([sym('sbin', 'usr/sbin'), wh('sbin/.wh..wh..opq'), dir('usr/sbin/'), file('usr/sbin/init')]);
    const { archive } = await openBuilt({ layers: [l0, l1, l2], nested: true });
    const problems = await diagnose(archive);
    const wu = problems.filter((p) => p.code === 'whiteout-under-non-directory');
    expect(wu.map((p) => [p.layer, p.paths])).toEqual([
      [1, ['opt/app/.wh.old']],
      [2, ['sbin/.wh..wh..opq']],
    ]);
    // bin/.wh.cat in layer 1 is a legitimate whiteout of a lower file (bin is a directory there).
    expect(problems.some((p) => p.paths?.includes('bin/.wh.cat'))).toBe(false);
    const { result, reopened } = await fixAll(archive);
    expect(result.rewritten.filter((r) => r.kind === 'layer').map((r) => r.layer)).toEqual([1, 2]);
    expect(result.out.blobs.get(l0.descriptor.digest)).toBe(archive.blob(l0.descriptor.digest));
    expect(result.rewritten.map((r) => r.kind)).toContain('index');
    expect((await verify(reopened)).problems).toEqual([]);
    expect((await diagnose(reopened)).filter((p) => p.severity === 'error')).toEqual([]);
    expect(indexesAbove(reopened, reopened.images[0]).length).toBe(1);
    expect(await layerPaths(reopened, 1)).toEqual(['opt/app', 'bin/.wh.cat', 'srv/app', 'srv/app/new']);
  });

  it('drops duplicates (keeps the last) and bare whiteouts, reports hardlinks and ../ paths', async () => {
    const l0 = await layer([dir('etc/'), file('etc/a'), file('etc/b')]);
    const l1 = await layer([
      file('etc/a', 'one'), file('etc/a', 'two'), wh('etc/.wh.'), hard('etc/link', 'etc/missing'), file('etc/c'), hard('etc/ok', 'etc/c'),
      { path: '../../evil', type: 'file', body: 'x' }, { path: '/abs/file', type: 'file', body: 'y' },
    ]);
    const { archive } = await openBuilt({ layers: [l0, l1] });
    const problems = await diagnose(archive);
    const codes = problems.map((p) => `${p.code}:${p.severity}`);
    expect(codes).toEqual(
      expect.arrayContaining(['duplicate-path:warning', 'bare-whiteout:error', 'hardlink-target-missing:error', 'unsafe-path:error', 'unsafe-path:warning']),
    );
    expect(problems.find((p) => p.code === 'hardlink-target-missing')!.paths).toEqual(['etc/link']);
    const { repairs, reopened } = await fixAll(archive);
    expect(repairs.map((r) => r.id)).toEqual(['drop-duplicates', 'drop-bare-whiteouts', 'drop-unsafe-entries']);
    const paths = await layerPaths(reopened, 1);
    expect(paths).toEqual(['etc/a', 'etc/link', 'etc/c', 'etc/ok', 'abs/file']);
    const tar = gunzipSync(await bytesOf(reopened.images[0].layers[1].blob!));
    expect(new TextDecoder().decode(tar)).toContain('two');
    expect(new TextDecoder().decode(tar)).not.toContain('one');
  });

  it('reports a directory over a lower symlink (the opposite merged-usr break) and targetless whiteouts', async () => {
    const l0 = await layer([dir('usr/'), dir('usr/lib/'), file('usr/lib/ld.so'), sym('lib', 'usr/lib'), sym('bin', 'usr/bin')]);
    const l1 = await layer([dir('lib/'), file('lib/libfoo.so'), file('bin/tool'), wh('etc/.wh.nothing')]);
    const { archive } = await openBuilt({ layers: [l0, l1] });
    const problems = await diagnose(archive);
    const over = problems.filter((p) => p.code === 'dir-over-lower-symlink');
    expect(over.map((p) => [p.severity, p.paths])).toEqual([
      ['error', ['lib', 'lib/libfoo.so']],
      ['warning', ['bin/tool']],
    ]);
    expect(over[0].message).toContain('usr/lib');
    expect(problems.find((p) => p.code === 'whiteout-without-target')).toMatchObject({ severity: 'info', paths: ['etc/.wh.nothing'] });
  });

  it('repairs layout problems: wrong sizes, digests and diff_ids, unreferenced blobs', async () => {
    const l0 = await layer([file('a')]);
    const l1 = await layer([file('b')]);
    const l2 = await layer([file('c')]);
    const fakeDigest = 'sha256:' + '1'.repeat(64);
    const { archive } = await openBuilt({
      layers: [l0, l1, l2],
      config: (c) => {
        (c.rootfs as { diff_ids: string[] }).diff_ids[2] = 'sha256:' + '2'.repeat(64);
        c.history = [{ created_by: 'only one' }];
      },
      manifest: (m) => {
        const ls = m.layers as { size: number; digest: string }[];
        ls[0] = { ...ls[0], size: ls[0].size + 5 };
        ls[1] = { ...ls[1], digest: fakeDigest };
      },
      extra: new Map([
        ['blobs/sha256/' + '1'.repeat(64), l1.bytes], // layer 1 stored under a wrong name
        ['blobs/sha256/' + 'e'.repeat(64), new Uint8Array([9])],
      ]),
    });
    const problems = await diagnose(archive);
    const byCode = (c: string) => problems.filter((p) => p.code === c);
    expect(byCode('size-mismatch')).toHaveLength(1);
    expect(byCode('digest-mismatch')[0]).toMatchObject({ layer: 1, fix: 'fix-descriptors', actual: l1.descriptor.digest });
    expect(byCode('diffid-mismatch')[0]).toMatchObject({ layer: 2, fix: 'fix-diff-ids', actual: l2.diffId });
    expect(byCode('history-layer-mismatch')[0].severity).toBe('warning');
    expect(byCode('unreferenced-blob')[0].paths).toContain('blobs/sha256/' + 'e'.repeat(64));
    const { repairs, reopened, result } = await fixAll(archive);
    expect(repairs.map((r) => r.id)).toEqual(['fix-descriptors', 'fix-diff-ids', 'gc']);
    expect((await verify(reopened)).problems).toEqual([]);
    expect(result.out.blobs.has('sha256:' + 'e'.repeat(64))).toBe(false);
    const left = await diagnose(reopened);
    expect(left.map((p) => p.code)).toEqual(['history-layer-mismatch']);
  });

  it('re-addresses a layer whose size and digest are both stale but whose content matches its diff_id', async () => {
    // A tool recompressed layer 1 in place and forgot to update the manifest: new bytes under the old name.
    const l0 = await layer([file('a')]);
    const l1 = await layer([file('b', 'b'.repeat(4000))]);
    const recompressed = gzipSync(gunzipSync(l1.bytes), { level: 9, mtime: 0 });
    expect(recompressed.length).not.toBe(l1.bytes.length);
    const { archive } = await openBuilt({ layers: [l0, l1], extra: new Map([['blobs/sha256/' + l1.descriptor.digest.slice(7), recompressed]]) });
    const problems = await diagnose(archive);
    expect(problems.filter((p) => p.severity === 'error').map((p) => [p.code, p.fix])).toEqual([
      ['size-mismatch', 'fix-descriptors'],
      ['digest-mismatch', 'fix-descriptors'],
    ]);
    const { repairs, reopened, result } = await fixAll(archive);
    const actual = await sha256Bytes(recompressed);
    expect(repairs.map((r) => r.id)).toEqual(['fix-descriptors']);
    expect(repairs[0].readdress).toEqual({ [l1.descriptor.digest]: { digest: actual, size: recompressed.length } });
    expect(result.rewritten[0]).toMatchObject({ kind: 'layer', layer: 1, after: { digest: actual, size: recompressed.length, diffId: l1.diffId } });
    expect(reopened.images[0].layers[1].descriptor).toMatchObject({ digest: actual, size: recompressed.length });
    expect((await verify(reopened)).problems).toEqual([]);
    expect((await diagnose(reopened)).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('re-addresses a config rewritten in place (size and digest both stale)', async () => {
    const l0 = await layer([file('a')]);
    const { built } = await openBuilt({ layers: [l0] });
    const files = new Map(built.files);
    const path = 'blobs/sha256/' + built.configDigest.slice(7);
    const pretty = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(files.get(path))), null, 2));
    files.set(path, pretty);
    const archive = await openImage(tarBlob([...files].map(([p, body]) => ({ header: { path: p, type: 'file' as const, size: body.length, mtime: 0 }, body }))), env);
    const { problems, reopened } = await fixAll(archive);
    expect(problems.filter((p) => p.fix === 'fix-descriptors').map((p) => p.code)).toEqual(['size-mismatch', 'digest-mismatch']);
    expect((await verify(reopened)).problems).toEqual([]);
    expect((await diagnose(reopened)).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('offers no descriptor repair for a layer whose content changed (size, digest and diff_id all stale)', async () => {
    // Correcting only the size would keep the stale digest: the "fixed" image would still fail verify.
    const l0 = await layer([file('a')]);
    const l1 = await layer([file('b')]);
    const other = await layer([file('b', 'something else entirely')]);
    const { archive } = await openBuilt({ layers: [l0, l1], extra: new Map([['blobs/sha256/' + l1.descriptor.digest.slice(7), other.bytes]]) });
    const problems = await diagnose(archive);
    const size = problems.find((p) => p.code === 'size-mismatch')!;
    expect(size).toMatchObject({ layer: 1, blob: l1.descriptor.digest });
    expect(size.fix).toBeUndefined();
    expect(size.message).not.toContain('Fix: correct the descriptor');
    expect(problems.find((p) => p.code === 'digest-mismatch')!.fix).toBeUndefined();
    expect(problems.find((p) => p.code === 'diffid-mismatch')!.fix).toBeUndefined();
    expect(planFix(archive, problems).find((r) => r.id === 'fix-descriptors')).toBeUndefined();
    // planFix holds the same rule for a problem list that still carries the size fix
    const stale = problems.map((p) => (p.code === 'size-mismatch' ? { ...p, fix: 'fix-descriptors' as const } : p));
    expect(planFix(archive, stale).find((r) => r.id === 'fix-descriptors')).toBeUndefined();
  });

  it('writes a docker-archive that opens again with the fixed layers', async () => {
    const { base, app } = await seedLayers();
    const { archive } = await openBuilt({ layers: [base, app] });
    const { result } = await fixAll(archive);
    const docker = await openImage(await writeDockerArchive(result.out), env);
    expect(docker.dockerManifest?.[0].RepoTags).toBeNull();
    expect((await verify(docker)).problems).toEqual([]);
    expect((await diagnose(docker)).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('never offers a result when cancelled', async () => {
    const { base, app } = await seedLayers();
    const { archive } = await openBuilt({ layers: [base, app] });
    const repairs = planFix(archive, await diagnose(archive));
    const ac = new AbortController();
    ac.abort();
    await expect(fix(archive, repairs, env, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
    await expect(diagnose(archive, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});
