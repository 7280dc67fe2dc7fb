// The `build` verb in-process: flags → settings, output written only on success, typed errors and exit codes.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, openAsBlob, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/context';
import { openImage } from '../../../src/engine/oci/archive';
import { env, rootfsTar } from './helpers';

async function cli(args: string[]) {
  const io = { out: '', err: '', stderrIsTTY: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) } satisfies CliIO & { out: string; err: string };
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

describe('cli build', () => {
  it('builds from scratch, then on that base; flags land in the config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-build-cli-'));
    const base = join(dir, 'base-rootfs.tar');
    writeFileSync(base, new Uint8Array(await rootfsTar(['bin/', ['bin/sh', 'sh'], 'etc/'] as never).arrayBuffer()));
    const app = join(dir, 'app.tar');
    writeFileSync(app, new Uint8Array(await rootfsTar([['bin', '->', 'usr/bin'], 'usr/', 'usr/bin/', ['usr/bin/hello', 'hi']] as never).arrayBuffer()));

    const r1 = await cli(['build', '--rootfs', base, '--tag', 'base', '--source-date-epoch', '5', '-o', join(dir, 'base.tar')]);
    expect(r1.code, r1.err).toBe(0);
    const r2 = await cli([
      'build', '--base', join(dir, 'base.tar'), '--base-tag', 'base', '--rootfs', app, '--usrmerge-carry',
      '--tag', 'app:1', '--tag', 'app:latest', '--cmd', '/usr/bin/hello "a b"', '--entrypoint', 'tini --',
      '--env', 'A=1', '--label', 'team=build and ship', '--port', '80', '--port', '53/udp', '--user', '1000:1000',
      '--workdir', '/srv', '--stop-signal', 'SIGINT', '--author', 'me <me@example.com>', '--arch', 'arm64', '--variant', 'v8',
      '--source-date-epoch', '5', '-o', join(dir, 'app.oci.tar'), '--json',
    ]);
    expect(r2.code, r2.err).toBe(0);
    const summary = JSON.parse(r2.out);
    expect(summary.carriedDirs).toEqual([{ from: 'bin', to: 'usr/bin', carried: 1 }]);
    const archive = await openImage(await openAsBlob(join(dir, 'app.oci.tar')), env);
    const img = archive.images[0];
    expect(img.tags).toEqual(['app:1', 'app:latest']);
    expect(img.config).toMatchObject({ architecture: 'arm64', variant: 'v8', os: 'linux', author: 'me <me@example.com>', created: '1970-01-01T00:00:05Z' });
    expect(img.config.config).toMatchObject({
      Cmd: ['/usr/bin/hello', 'a b'],
      Entrypoint: ['tini', '--'],
      Env: ['A=1'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      User: '1000:1000',
      WorkingDir: '/srv',
      StopSignal: 'SIGINT',
      Labels: { team: 'build and ship', 'org.opencontainers.image.created': '1970-01-01T00:00:05Z' },
    });
    expect(img.manifest.annotations?.['org.opencontainers.image.base.name']).toBe('base.tar:base');

    // docker-archive output
    const r3 = await cli(['build', '--rootfs', app, '--tag', 'x:y', '-o', join(dir, 'd.tar'), '--format', 'docker']);
    expect(r3.code, r3.err).toBe(0);
    expect((await openImage(await openAsBlob(join(dir, 'd.tar')), env)).dockerManifest?.[0].RepoTags).toEqual(['x:y']);
  });

  it('a missing tag is a typed error naming the tags; nothing is left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-build-cli-'));
    const rootfs = join(dir, 'r.tar');
    writeFileSync(rootfs, new Uint8Array(await rootfsTar(['a/'] as never).arrayBuffer()));
    expect((await cli(['build', '--rootfs', rootfs, '--tag', 'one', '-o', join(dir, 'base.tar')])).code).toBe(0);
    const r = await cli(['build', '--base', join(dir, 'base.tar'), '--base-tag', 'two', '--rootfs', rootfs, '-o', join(dir, 'out.tar')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error\[tag-not-found\].*Tags it has: one/);
    expect(readdirSync(dir).sort()).toEqual(['base.tar', 'r.tar']);
    const bad = await cli(['build', '--rootfs', rootfs, '--cmd', "'oops", '-o', join(dir, 'out.tar')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/error\[invalid-argument\]/);
    expect(existsSync(join(dir, 'out.tar'))).toBe(false);
  });

  it('turns carry-over on by itself when the command needs it, says why; --no-usrmerge-carry keeps it off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-build-cli-'));
    const base = join(dir, 'base-rootfs.tar');
    writeFileSync(base, new Uint8Array(await rootfsTar(['bin/', ['bin/sh', 'sh'], 'etc/'] as never).arrayBuffer()));
    const app = join(dir, 'app.tar');
    writeFileSync(app, new Uint8Array(await rootfsTar([['bin', '->', 'usr/bin'], 'usr/', 'usr/bin/', ['usr/bin/hello', '#!/bin/sh\necho hi\n']] as never).arrayBuffer()));
    expect((await cli(['build', '--rootfs', base, '-o', join(dir, 'base.tar')])).code).toBe(0);
    const auto = await cli(['build', '--base', join(dir, 'base.tar'), '--rootfs', app, '--cmd', '/usr/bin/hello', '-o', join(dir, 'a.tar')]);
    expect(auto.code, auto.err).toBe(0);
    expect(auto.out).toContain('carry-over on by default: the script interpreter /bin/sh would be hidden');
    expect(auto.out).toContain('carried  bin/ → usr/bin/: 1 entries');
    const off = await cli(['build', '--base', join(dir, 'base.tar'), '--rootfs', app, '--cmd', '/usr/bin/hello', '--no-usrmerge-carry', '-o', join(dir, 'b.tar')]);
    expect(off.code, off.err).toBe(0);
    expect(off.out).not.toContain('carr');
  });
});
