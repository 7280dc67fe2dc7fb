import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { layer, layoutFiles } from '../layers/fixtures';
import { APP, BASE, seedLayers } from './seedlike';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), stderrIsTTY: false } };
}

describe('cli diagnose / fix', () => {
  it('diagnoses (exit 1 on errors), fixes to a new file, leaves the input alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-fix-cli-'));
    const { base, app } = await seedLayers();
    const built = await layoutFiles({ layers: [base, app] });
    const input = join(dir, 'broken.tar');
    const bytes = new Uint8Array(await built.blob.arrayBuffer());
    writeFileSync(input, bytes);

    const a = io();
    expect(await main(['diagnose', input, '--json'], a.io)).toBe(1);
    const problems = JSON.parse(a.out.join('')).filter((p: { severity: string }) => p.severity === 'error');
    expect(problems.map((p: { code: string }) => p.code)).toEqual(Array(4).fill('whiteout-under-non-directory'));
    expect(problems[0]).toMatchObject({ severity: 'error', layer: 1, path: 'bin/.wh.bash' });

    const out = join(dir, 'fixed.tar');
    const b = io();
    expect(await main(['fix', input, '-o', out, '--format', 'docker', '--json'], b.io)).toBe(0);
    const summary = JSON.parse(b.out.join(''));
    expect(summary.rewritten.map((r: { kind: string }) => r.kind)).toEqual(['layer', 'config', 'manifest']);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(input)).toEqual(Buffer.from(bytes));
    expect(readdirSync(dir).sort()).toEqual(['broken.tar', 'fixed.tar']);

    const c = io();
    expect(await main(['diagnose', out], c.io)).toBe(0);
    expect(c.out.join('')).toContain('0 error(s)');

    const d = io();
    expect(await main(['fix', input], d.io)).toBe(2);
    expect(d.err.join('')).toContain('error[invalid-argument]');
  });

  it('fix without flags also carries hidden files over when the image\'s command is hidden; --only keeps the plain fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-fix-cli-'));
    const built = await layoutFiles({ layers: [await layer(BASE), await layer(APP.filter((e) => e.path !== 'usr/bin/sh'))] });
    const input = join(dir, 'broken.tar');
    writeFileSync(input, new Uint8Array(await built.blob.arrayBuffer()));

    const a = io();
    expect(await main(['diagnose', input], a.io)).toBe(1);
    expect(a.out.join('')).toContain('ERROR [command-hidden] layer 1: The image\'s command `/bin/sh` is hidden by layer 1\'s `bin -> usr/bin`');

    const b = io();
    expect(await main(['fix', input, '-o', join(dir, 'default.tar')], b.io)).toBe(0);
    expect(b.out.join('')).toContain('repair carry-over-hidden-files: Chosen by default because the image\'s command `/bin/sh` is hidden');
    const c = io();
    expect(await main(['diagnose', join(dir, 'default.tar')], c.io)).toBe(0);

    // The plain fix: written, but the command stays hidden (exit 1, listed as not repaired).
    const d = io();
    expect(await main(['fix', input, '-o', join(dir, 'plain.tar'), '--only', 'drop-redundant-whiteouts'], d.io)).toBe(1);
    expect(d.out.join('')).toContain('not chosen carry-over-hidden-files');
    expect(d.out.join('')).toContain('NOT REPAIRED [command-hidden] layer 1');
    expect(existsSync(join(dir, 'plain.tar'))).toBe(true);
  });
});
