import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, listVerbs } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/context';
import { blobPath } from '../../../src/engine/oci/types';
import { SIMPLE_LAYERS, filesToTar, makeOciLayout, writeFiles } from '../../fixtures/images';
import { tempDir } from '../../fixtures/tools';

function capture(): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
    stderrIsTTY: false,
  };
  return io;
}

async function cli(args: string[]) {
  const io = capture();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

async function layoutTar(dir: string, corrupt = false): Promise<{ path: string; victim: string }> {
  const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
  const victim = built.images[0].layerDigests[1];
  if (corrupt) {
    const b = built.files.get(blobPath(victim))!.slice();
    b[20] ^= 0x55;
    built.files.set(blobPath(victim), b);
  }
  const path = join(dir, corrupt ? 'bad.tar' : 'good.tar');
  writeFileSync(path, new Uint8Array(await filesToTar(built.files).arrayBuffer()));
  return { path, victim };
}

describe('cli', () => {
  const dir = tempDir('cli');

  it('lists its verbs (files in src/cli/commands)', async () => {
    expect(listVerbs()).toEqual(expect.arrayContaining(['inspect', 'verify']));
    const r = await cli(['help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/inspect IMAGE \[--json\]/);
  });

  it('inspect --json prints the stable form; the table names tags and layers', async () => {
    const { path } = await layoutTar(dir);
    const j = await cli(['inspect', path, '--json']);
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.out);
    expect(parsed.format).toBe('oci-layout');
    expect(Object.keys(parsed.images[0])).toEqual(['tags', 'platform', 'manifest', 'config', 'layers']);
    expect(Object.keys(parsed.images[0].layers[0])).toEqual(['digest', 'size', 'mediaType', 'diffId']);
    const t = await cli(['inspect', path]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/Image 1: latest +\[linux\/amd64\]/);
    expect(t.out).toContain(parsed.images[0].layers[1].digest);
  });

  it('verify: OK line and exit 0; a corrupted layer exits 1 naming the blob', async () => {
    const good = await cli(['verify', (await layoutTar(dir)).path]);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/^OK: 4 blobs, [\d.]+ MB verified/m);
    const { path, victim } = await layoutTar(dir, true);
    const bad = await cli(['verify', path]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`FAIL [digest-mismatch] layer 1 ${victim}`);
    expect(bad.out).toMatch(/^FAILED: \d+ problems?/m);
  });

  it('a folder layout opens as well', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'v2' }]);
    const d = join(tempDir('cli-dir'), 'layout');
    await writeFiles(built.files, d);
    const r = await cli(['verify', d]);
    expect(r.code).toBe(0);
  });

  it('typed errors: error[code] on stderr, exit 2', async () => {
    const notImage = join(dir, 'rootfs.tar');
    writeFileSync(notImage, new Uint8Array(await filesToTar(new Map([['etc/passwd', new Uint8Array(1)], ['usr/bin/sh', new Uint8Array(1)]])).arrayBuffer()));
    const r = await cli(['inspect', notImage]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error\[not-an-image\]: This looks like a plain rootfs tarball/);
    expect((await cli(['inspect', join(dir, 'nope.tar')])).err).toMatch(/^error\[invalid-argument\]/);
    expect((await cli(['inspect'])).code).toBe(2);
    expect((await cli(['inspect', 'a', '--bogus'])).err).toMatch(/^error\[invalid-argument\]/);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('runs as `npm run -s cli` with real exit codes', async () => {
    const { path } = await layoutTar(dir, true);
    let code = 0;
    let out = '';
    try {
      execFileSync('npm', ['run', '-s', 'cli', '--', 'verify', path], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
      out = (e as { stdout: string }).stdout;
    }
    expect(code).toBe(1);
    expect(out).toContain('digest-mismatch');
  }, 20_000);
});
