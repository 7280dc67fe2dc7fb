// Issue 14 through the CLI: a folder input never leaves its root, text output is inert on a terminal, tags follow
// the reference grammar, -o never replaces an input, an empty LAYERWRIGHT_TMP is an error, SIGTERM leaves nothing.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join, dirname } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/context';
import { esc } from '../../../src/cli/escape';
import { openImage } from '../../../src/engine/oci/archive';
import { memoryScratch } from '../../../src/engine/env';
import { referenceError } from '../../../src/engine/oci/reference';
import { writeFiles } from '../../fixtures/images';
import { tempDir } from '../../fixtures/tools';
import { dir, file, layer, layoutFiles, sym, wh } from '../layers/fixtures';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');

async function cli(args: string[], scratchDir?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), stderrIsTTY: false, scratchDir };
  return { code: await main(args, io), out, err };
}

const SECRET = 'HOST-SECRET-' + 'x'.repeat(40);

describe('a folder input never leaves its root', () => {
  it('a blob symlinked to a host file: every verb refuses with unsafe-path, the host bytes never appear', async () => {
    const d = tempDir('sec-folder');
    const host = join(d, 'host-shadow');
    writeFileSync(host, SECRET);
    const l = await layer([file('etc/hostname', 'x')]);
    const built = await layoutFiles({ layers: [l] });
    const folder = join(d, 'layout');
    await writeFiles(built.files, folder);
    const blob = join(folder, 'blobs/sha256', l.descriptor.digest.slice(7));
    rmSync(blob);
    symlinkSync(host, blob);
    const out = join(d, 'out.tar');
    for (const args of [['verify', folder], ['diagnose', folder], ['inspect', folder], ['fix', folder, '-o', out]]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^error\[unsafe-path\]: .*outside the folder/);
      expect(r.out + r.err).not.toContain('HOST-SECRET');
    }
    expect(existsSync(out)).toBe(false);
  });

  it('a symlink that stays inside the folder is read', async () => {
    const d = tempDir('sec-folder-in');
    const l = await layer([file('etc/hostname', 'x')]);
    const built = await layoutFiles({ layers: [l] });
    const folder = join(d, 'layout');
    await writeFiles(built.files, folder);
    const blob = join(folder, 'blobs/sha256', l.descriptor.digest.slice(7));
    writeFileSync(join(folder, 'layer.bin'), readFileSync(blob));
    rmSync(blob);
    symlinkSync('../../layer.bin', blob);
    expect((await cli(['verify', folder])).code).toBe(0);
  });
});

describe('text output for people', () => {
  it('esc: C0, DEL, C1 and bidi as ls -b writes them', () => {
    expect(esc('a\x1b]0;x\x07b')).toBe('a\\033]0;x\\ab');
    expect(esc('ok\nFAKE\r\t\x7f')).toBe('ok\\nFAKE\\r\\t\\177');
    expect(esc('\u009b2J')).toBe('\\302\\2332J');
    expect(esc('innocent\u202egpj.exe')).toBe('innocent\\342\\200\\256gpj.exe');
    expect(esc('plain café/ü')).toBe('plain café/ü');
  });

  it('inspect, ls, diagnose and verify print hostile tags, labels and names inertly; --json keeps the values', async () => {
    const evilTag = 'innocent\u202egpj.exe\x1b]0;pwned\x07';
    const evilLabel = '\x1b[2J\x1b[HOK\u009b';
    const evilName = 'etc/\x1b[31mred\nOK: all good';
    const l = await layer([dir('etc/'), file(evilName, 'x'), sym('bin', 'usr/bin'), wh('bin/.wh.\x1b[2Jsh')]);
    const built = await layoutFiles({ layers: [l], tag: evilTag, config: (c) => void ((c.config as { Labels: Record<string, string> }).Labels = { evil: evilLabel }) });
    const path = join(tempDir('sec-esc'), 'img.tar');
    writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
    for (const verb of ['inspect', 'ls', 'diagnose', 'verify']) {
      const r = await cli([verb, path]);
      expect(r.code, `${verb}: ${r.err}`).toBeLessThan(2);
      expect(r.out + r.err, verb).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
      // Every line is one line of ours: the name's newline cannot start a fake one.
      expect(r.out.split('\n').some((line) => line.startsWith('OK: all good')), verb).toBe(false);
    }
    const j = await cli(['inspect', '--json', path]);
    expect(j.out).not.toMatch(/[\x7f-\x9f\u202e]/);
    expect(JSON.parse(j.out).images[0].tags).toEqual([evilTag]);
    const files = JSON.parse((await cli(['ls', '--json', '--layer', '0', path])).out) as { path: string }[];
    expect(files.map((f) => f.path)).toContain(evilName);
  });
});

describe('tags, outputs, scratch, signals', () => {
  it('tags follow the reference grammar', async () => {
    for (const bad of ['../../x', 'UPPER:Tag', 'a//b', 'name:bad tag', '-x', 'a/B']) expect(referenceError(bad), bad).toBeDefined();
    for (const good of ['latest', 'v1.2_3', 'Latest', 'app', 'example/app:1.0', 'registry.local:5000/team/app:v2', 'localhost/a', 'a__b/c-d.e:x']) expect(referenceError(good), good).toBeUndefined();
    const d = tempDir('sec-tags');
    const rootfs = join(d, 'rootfs.tar');
    writeFileSync(rootfs, new Uint8Array(await (await layer([file('app/x', 'x')], 'none')).bytes));
    const r = await cli(['build', '--rootfs', rootfs, '--tag', '../../x', '--tag', 'UPPER:Tag', '--format', 'docker', '-o', join(d, 'o.tar')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error\[invalid-argument\]/);
    expect(r.err).toContain('../../x');
    expect(existsSync(join(d, 'o.tar'))).toBe(false);
  });

  it('fix --format docker names each tag it cannot write, on stderr, escaped', async () => {
    const d = tempDir('sec-fix-tags');
    const built = await layoutFiles({ layers: [await layer([file('etc/hostname', 'x')])], tag: 'UPPER:Tag\x1b[2J' });
    await writeFiles(built.files, join(d, 'in'));
    const r = await cli(['fix', join(d, 'in'), '--format', 'docker', '-o', join(d, 'o.tar')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^warning: The tag "UPPER:Tag\\u001b\[2J" cannot be a Docker tag .*left out of manifest\.json/m);
    expect(r.err).not.toContain('\x1b');
    const back = await openImage(new Blob([readFileSync(join(d, 'o.tar'))]), { scratch: memoryScratch() });
    expect(back.dockerManifest!.map((e) => e.RepoTags)).toEqual([null]);
  });

  it('-o naming the input is refused and the input is untouched', async () => {
    const l = await layer([dir('bin/'), file('bin/sh'), sym('bin', 'usr/bin')]);
    const built = await layoutFiles({ layers: [l] });
    const path = join(tempDir('sec-same'), 'img.tar');
    writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
    const before = createHash('sha256').update(readFileSync(path)).digest('hex');
    const r = await cli(['fix', path, '-o', path]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error\[invalid-argument\]: -o .* is the input/);
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(before);
  });

  it('an empty LAYERWRIGHT_TMP is an error, and nothing lands in the working directory', async () => {
    const l = await layer([dir('bin/'), file('bin/sh'), sym('bin', 'usr/bin')]);
    const built = await layoutFiles({ layers: [l] });
    const d = tempDir('sec-tmp');
    const path = join(d, 'img.tar');
    writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
    const before = readdirSync(process.cwd()).filter((n) => n.startsWith('layerwright-'));
    const r = await cli(['fix', path, '-o', join(d, 'out.tar')], '');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error\[invalid-argument\]: LAYERWRIGHT_TMP is set but empty/);
    expect(readdirSync(process.cwd()).filter((n) => n.startsWith('layerwright-'))).toEqual(before);
    expect(existsSync(join(d, 'out.tar'))).toBe(false);
  });

  it('SIGTERM during fix removes the partial output and the scratch directory', async () => {
    // A layer worth rewriting (a whiteout under the layer's own symlink) with 8 MiB of incompressible content, so
    // the fix is still running when the signal comes.
    const big = randomBytes(8 << 20).toString('latin1');
    const l = await layer([dir('usr/'), dir('usr/bin/'), file('usr/bin/big', big), sym('bin', 'usr/bin'), wh('bin/.wh.x')]);
    const built = await layoutFiles({ layers: [l] });
    const d = tempDir('sec-term');
    const scratch = join(d, 'scratch');
    mkdirSync(scratch);
    const path = join(d, 'img.tar');
    writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));
    // One process (tsx as a loader, not its CLI, which would relay the signal from a parent of its own).
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'fix', path, '-o', join(d, 'out.tar')], {
      cwd: ROOT,
      env: { ...process.env, LAYERWRIGHT_TMP: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait for the scratch files to exist (the rewrite is under way), then terminate.
    const t0 = Date.now();
    while (Date.now() - t0 < 120_000) {
      const made = readdirSync(scratch);
      if (made.length && readdirSync(join(scratch, made[0])).length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, err).toBe(2);
    expect(err).toMatch(/error\[cancelled\]/);
    expect(readdirSync(scratch)).toEqual([]);
    expect(readdirSync(d).filter((n) => n.includes('out.tar'))).toEqual([]);
  }, 180_000);
});
