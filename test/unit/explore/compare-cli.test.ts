// The CLI over the explore engine: `diff A B` (+/-/~ lines, counts, exit 1 when something differs, 0 when not,
// --upto-a for two layers of one image, --json) and `ls --glob` (leading '/', base-name globs, whiteouts by target).
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { dir, file, layer, layoutFiles, wh, type E } from '../layers/fixtures';
import { tempDir } from '../../fixtures/tools';

async function cli(args: string[]) {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t), stderrIsTTY: false };
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

const tmp = tempDir('explore-cli');
let a = '';
let b = '';
beforeAll(async () => {
  const base = await layer([dir('etc/'), file('etc/hosts', 'x'.repeat(20)), file('etc/passwd', 'p'.repeat(9)), file('bin/sh', 'sh')]);
  const appB: E[] = [file('etc/hosts', 'y'.repeat(30)), wh('bin/.wh.sh'), file('etc/new.conf', 'n')];
  a = join(tmp, 'a.tar');
  b = join(tmp, 'b.tar');
  writeFileSync(a, new Uint8Array(await (await layoutFiles({ layers: [base] })).blob.arrayBuffer()));
  writeFileSync(b, new Uint8Array(await (await layoutFiles({ layers: [base, await layer(appB)] })).blob.arrayBuffer()));
});

describe('diff and ls --glob', () => {
  it('diff prints what changed and exits 1; the same image exits 0', async () => {
    const r = await cli(['diff', a, b]);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n')).toEqual(['- bin/sh', '~ etc/hosts  [size, content]', '+ etc/new.conf', '1 added (1 B), 1 changed (30 B), 1 removed (2 B); 2 unchanged']);
    const same = await cli(['diff', a, a]);
    expect(same.code).toBe(0);
    const layers = await cli(['diff', b, b, '--upto-a', '0', '--json']);
    expect(layers.code).toBe(1);
    const j = JSON.parse(layers.out);
    expect([j.added, j.changed, j.removed]).toEqual([1, 1, 1]);
    expect(j.diffs.map((d: { path: string; kind: string }) => `${d.kind} ${d.path}`)).toEqual(['removed bin/sh', 'changed etc/hosts', 'added etc/new.conf']);
    expect((await cli(['diff', a, b, '--upto-a', 'x'])).code).toBe(2);
  });

  it('ls --glob filters like the Files view', async () => {
    const conf = await cli(['ls', b, '--glob', '*.conf', '--json']);
    expect(JSON.parse(conf.out).map((r: { path: string }) => r.path)).toEqual(['etc/new.conf']);
    const slash = await cli(['ls', b, '--glob', '/etc/hosts', '--json']);
    expect(JSON.parse(slash.out).map((r: { path: string; layer: number }) => [r.path, r.layer])).toEqual([['etc/hosts', 1]]);
    const wht = await cli(['ls', b, '--layer', '1', '--glob', 'bin/sh', '--json']);
    expect(JSON.parse(wht.out).map((r: { path: string }) => r.path)).toEqual(['bin/.wh.sh']);
  });
});
