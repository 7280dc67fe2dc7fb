// Issue 14, "tar names as Go reads them": hostile layer names judged by layers/names.ts against Go's
// path/filepath (moby's UnpackLayer rules) and archive/tar (test/oracle); each case through diagnose AND verify,
// which must agree (an error-severity problem in diagnose <=> verify fails).

import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { MediaType } from '../../../src/engine/oci/types';
import { diagnose, hasErrors } from '../../../src/engine/ops/diagnose';
import { verify } from '../../../src/engine/ops/verify';
import { goClean, judgeName, whiteoutRemoves } from '../../../src/engine/layers/names';
import { readTar } from '../../../src/engine/tar/reader';
import { dir, file, openBuilt, tarBytes, type BuiltLayer, type E } from '../layers/fixtures';
import { tempDir } from '../../fixtures/tools';
import { goPaths, goTar, haveGo } from './oracle';

const NAMES = [
  'a/../b', 'a/b/../../c', './a/./b/', 'a//b', '.wh..', '.wh...', 'a/.wh..', 'a/b/.wh...', 'a/.wh.x', '.wh.x',
  '../x', 'a/../../x', '/abs/x', '..', 'a/..', '.wh..wh..opq', 'a/.wh..wh..opq', 'a/.wh..wh..x', '.wh....', 'a/./.wh..',
  '.wh.', 'a/.wh.', 'a/b/.wh.',
];

async function rawLayer(tar: Uint8Array): Promise<BuiltLayer> {
  const digest = await sha256Bytes(tar);
  return { bytes: tar, diffId: digest, descriptor: { mediaType: MediaType.OciLayer, digest, size: tar.length } };
}

/** A tar whose PAX `path` record holds a NUL: written with a placeholder, patched inside the PAX data only. */
async function paxNulTar(): Promise<Uint8Array> {
  const tar = await tarBytes([dir('etc/'), file('etc/é-XY', 'shadow'), file('etc/ok', 'ok')]);
  const needle = new TextEncoder().encode('path=etc/é-X');
  for (let i = 0; i < tar.length; i++)
    if (needle.every((b, j) => tar[i + j] === b)) {
      tar[i + needle.length - 1] = 0;
      return tar;
    }
  throw new Error('placeholder not found');
}

async function agree(l: BuiltLayer): Promise<{ codes: string[]; paths: string[]; verifyOk: boolean; verifyCodes: string[] }> {
  const { archive } = await openBuilt({ layers: [l] });
  const problems = await diagnose(archive);
  const v = await verify(archive);
  // The verbs agree: verify fails exactly when diagnose has an error.
  expect(v.ok, JSON.stringify({ problems, v: v.problems })).toBe(!hasErrors(problems));
  return { codes: problems.map((p) => p.code), paths: problems.flatMap((p) => p.paths ?? []), verifyOk: v.ok, verifyCodes: v.problems.map((p) => p.code) };
}

describe('layer names judged as the engines read them', () => {
  it('names.ts: the judgement of each hostile name', () => {
    const codes = (n: string) => judgeName(0, n).map((i) => i.code);
    expect(codes('a/../b')).toEqual(['dotdot-in-name']);
    expect(codes('.wh..')).toEqual(['whiteout-escapes']);
    expect(codes('.wh...')).toEqual(['whiteout-escapes']);
    expect(codes('a/.wh.')).toEqual(['whiteout-escapes']);
    expect(judgeName(0, 'a/.wh.')[0].message).toContain('the directory "a" holding it');
    expect(codes('a/b/.wh...')).toEqual(['whiteout-escapes']);
    expect(codes('../x')).toEqual(['unsafe-path']);
    expect(codes('a\0b')).toEqual(['name-has-nul']);
    expect(codes('a/.wh.x')).toEqual([]);
    expect(codes('usr/bin/sh')).toEqual([]);
    // Messages quote the stored name, never the cleaned one alone.
    expect(judgeName(0, 'a/b/../../c')[0].message).toContain('"a/b/../../c"');
    expect(judgeName(0, 'x\0y')[0].message).toContain('"x\\0y"');
  });

  it.skipIf(!haveGo())('clean, breakout and whiteout targets equal Go\'s filepath (moby UnpackLayer)', () => {
    const go = goPaths(NAMES);
    NAMES.forEach((n, i) => {
      const ours = goClean(n);
      expect({ n, breakout: ours.escapes }).toEqual({ n, breakout: go[i].breakout });
      if (!ours.escapes) expect({ n, rel: ours.parts.join('/') || '.' }).toEqual({ n, rel: go[i].rel });
      const w = whiteoutRemoves(n);
      expect({ n, whiteout: w === undefined ? undefined : w || '.' }).toEqual({ n, whiteout: go[i].whiteout });
    });
  });

  it.skipIf(!haveGo())('a PAX path with a NUL: Go refuses the layer; diagnose errs and verify fails', async () => {
    const tar = await paxNulTar();
    const f = join(tempDir('names'), 'nul.tar');
    writeFileSync(f, tar);
    const go = goTar(f);
    expect(go.error).toMatch(/invalid tar header/);
    // Our reader keeps the stored name (NUL included): nothing is renamed silently.
    const names: string[] = [];
    for await (const { entry } of readTar(new Blob([tar as Uint8Array<ArrayBuffer>]).stream())) names.push(entry.path);
    expect(names).toEqual(['etc/', 'etc/é-\0Y', 'etc/ok']);
    const r = await agree(await rawLayer(tar));
    expect(r.codes).toContain('name-has-nul');
    expect(r.verifyOk).toBe(false);
  });

  it.skipIf(!haveGo())('every hostile name: Go reads the same stored names; diagnose and verify agree', async () => {
    const dirOut = tempDir('names');
    for (const n of NAMES) {
      if (n === '..' || n === 'a/..') continue; // the tar writer refuses names that are only ".."
      const entries: E[] = [dir('a/'), dir('a/b/'), n.endsWith('/') ? dir(n) : file(n, '')];
      const tar = await tarBytes(entries);
      const f = join(dirOut, 'l.tar');
      writeFileSync(f, tar);
      const go = goTar(f);
      expect(go.error).toBeUndefined();
      const ours: string[] = [];
      for await (const { entry } of readTar(new Blob([tar as Uint8Array<ArrayBuffer>]).stream())) ours.push(entry.path);
      expect(ours).toEqual(go.headers.map((h) => h.name));
      const r = await agree(await rawLayer(tar));
      const base = goClean(n).parts.at(-1);
      if (base === '.wh..' || base === '.wh...') expect(r.codes, n).toContain('whiteout-escapes');
      if (base === '.wh.') expect(r.codes, n).toEqual(expect.arrayContaining(['whiteout-escapes', 'bare-whiteout']));
      if (goClean(n).escapes) {
        expect(r.codes, n).toContain('unsafe-path');
        expect(r.paths, n).toContain(n); // the stored name, not the cleaned one
      }
      else if (n.split('/').includes('..')) expect(r.codes, n).toContain('dotdot-in-name');
    }
  });

  it.skipIf(!haveGo())('a layer cut inside a tar header, digests recomputed: Go errs, diagnose and verify both fail', async () => {
    const full = await tarBytes([file('a', 'x'.repeat(600)), file('b', 'y')]);
    const cut = full.subarray(0, 512 + 1024 + 300); // a's header + data, then 300 bytes of b's header
    const f = join(tempDir('names'), 'cut.tar');
    writeFileSync(f, cut);
    expect(goTar(f).error).toMatch(/unexpected EOF/);
    const r = await agree(await rawLayer(cut.slice()));
    expect(r.codes).toContain('layer-unreadable');
    expect(r.verifyOk).toBe(false);
  });
});
