// `ls` verb: ls -l-like lines and JSON rows for a layer and for the merged filesystem, typed errors for bad flags.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/context';
import { dir, file, layer, layoutFiles, sym, wh } from '../layers/fixtures';

async function run(args: string[]) {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), stderrIsTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

describe('cli ls', async () => {
  const tmp = join(import.meta.dirname, '../../../.tmp/files');
  mkdirSync(tmp, { recursive: true });
  const path = join(tmp, 'cli-ls.tar');
  const built = await layoutFiles({
    layers: [
      await layer([dir('bin/'), file('bin/sh', 'sh'), dir('etc/'), file('etc/a\u001b[2Jx', 'evil')]),
      await layer([sym('bin', 'usr/bin'), wh('bin/.wh.sh'), dir('usr/'), dir('usr/bin/'), file('usr/bin/sh', 'new')]),
    ],
  });
  writeFileSync(path, new Uint8Array(await built.blob.arrayBuffer()));

  it('lists a layer with whiteouts marked', async () => {
    const r = await run(['ls', path, '--layer', '1']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^lrwxrwxrwx .* bin -> usr\/bin$/);
    expect(lines[1]).toMatch(/bin\/\.wh\.sh {2}\[whiteout: deletes bin\/sh\]$/);
    expect(lines[4]).toMatch(/^-rw-r--r-- 0\/0 +3 2023-11-14 22:13 usr\/bin\/sh$/);
  });

  it('lists the merged filesystem with source layers, escaping control characters', async () => {
    const r = await run(['ls', path]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('  1  lrwxrwxrwx');
    expect(r.out).toContain('etc/a\\x1b[2Jx');
    expect(r.out).not.toContain('\u001b');
    expect(r.out).not.toMatch(/ bin\/sh$/m);
    const json = JSON.parse((await run(['ls', path, '--merged', '--json'])).out);
    expect(json.map((e: { path: string }) => e.path)).toEqual(['bin', 'etc', 'etc/a\u001b[2Jx', 'usr', 'usr/bin', 'usr/bin/sh']);
    expect(json[0]).toMatchObject({ type: 'symlink', linkpath: 'usr/bin', layer: 1 });
  });

  it('refuses bad flags with a typed error', async () => {
    expect((await run(['ls', path, '--layer', 'x'])).err).toContain('error[invalid-argument]');
    expect((await run(['ls', path, '--layer', '1', '--merged'])).code).toBe(2);
    expect((await run(['ls', path, '--layer', '9'])).err).toContain('has no layer 9');
  });
});
