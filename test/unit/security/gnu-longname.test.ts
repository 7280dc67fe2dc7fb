// Issue 14, GNU long names ('L' path, 'K' link target) holding a NUL: Go's archive/tar (Docker, containerd) cuts
// each at its first NUL (parseString) and reads the layer; GNU tar and Python do the same. So a NUL there is no
// differential: layerwright cuts it the same way (tar/parse.ts cstring), lists the name Go lists, and diagnose and
// verify say what the engines do — the layer loads. (A NUL in a PAX path is different: Go refuses it, see
// names-oracle.test.ts.) Checked against the Go oracle.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose, hasErrors } from '../../../src/engine/ops/diagnose';
import { verify } from '../../../src/engine/ops/verify';
import { readTar } from '../../../src/engine/tar/reader';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { MediaType } from '../../../src/engine/oci/types';
import { openBuilt } from '../layers/fixtures';
import { tempDir } from '../../fixtures/tools';
import { goTar, haveGo } from './oracle';

const enc = new TextEncoder();

/** One GNU-format header block ("ustar  \0"), checksum filled. */
function header(name: string, typeflag: string, size: number, linkname = ''): Uint8Array {
  const b = new Uint8Array(512);
  const put = (s: string, off: number, len: number) => b.set(enc.encode(s).subarray(0, len), off);
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(size.toString(8).padStart(11, '0') + '\0', 124, 12);
  put('00000000000\0', 136, 12);
  put(typeflag, 156, 1);
  put(linkname, 157, 100);
  b.set([0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00], 257);
  b.fill(0x20, 148, 156);
  const sum = b.reduce((s, x) => s + x, 0);
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return b;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** A tar of: a file whose 'L' long name is `etc/passwd\0<tail>`, and a symlink whose 'K' target is `/etc/shadow\0<tail>`. */
function longNameNulTar(): Uint8Array {
  const tail = 'x/'.repeat(60) + 'hidden';
  const name = enc.encode(`etc/passwd\0${tail}\0`);
  const link = enc.encode(`/etc/shadow\0${tail}\0`);
  const body = enc.encode('root:x:0:0\n');
  const blocks = [
    header('etc/', '5', 0),
    header('././@LongLink', 'L', name.length), padded(name),
    header('etc/passwd-short', '0', body.length), padded(body),
    header('././@LongLink', 'K', link.length), padded(link),
    header('etc/link', '2', 0, 'short'),
    new Uint8Array(1024),
  ];
  const out = new Uint8Array(blocks.reduce((n, x) => n + x.length, 0));
  let off = 0;
  for (const x of blocks) (out.set(x, off), (off += x.length));
  return out;
}

describe('GNU long names with a NUL', () => {
  it.skipIf(!haveGo())('are cut at the NUL as Go reads them; the layer loads, diagnose and verify agree', async () => {
    const tar = longNameNulTar();
    const f = join(tempDir('gnu-nul'), 'l.tar');
    writeFileSync(f, tar);
    const go = goTar(f);
    expect(go.error).toBeUndefined();
    const ours: { name: string; linkname: string }[] = [];
    for await (const { entry } of readTar(new Blob([tar as Uint8Array<ArrayBuffer>]).stream())) ours.push({ name: entry.path, linkname: entry.linkpath });
    expect(ours).toEqual(go.headers.map((h) => ({ name: h.name, linkname: h.linkname })));
    expect(ours.map((e) => e.name)).toEqual(['etc/', 'etc/passwd', 'etc/link']);
    expect(ours[2].linkname).toBe('/etc/shadow');
    const digest = await sha256Bytes(tar);
    const { archive } = await openBuilt({ layers: [{ bytes: tar, diffId: digest, descriptor: { mediaType: MediaType.OciLayer, digest, size: tar.length } }] });
    const problems = await diagnose(archive);
    expect(problems.filter((p) => p.code === 'name-has-nul')).toEqual([]);
    expect(hasErrors(problems)).toBe(false);
    expect((await verify(archive)).ok).toBe(true);
  });
});
