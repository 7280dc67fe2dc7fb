// fix drops entries by rewriting the layer verbatim; a global PAX header ('g') rides in the raw bytes of the entry
// after it, so when that entry is dropped the header must move to the next kept entry, or every later entry loses
// the values it set (here the owner names Python's tarfile writes as global records).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { defaultRepairs, fix, planFix } from '../../../src/engine/ops/fix';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { writeOciArchive } from '../../../src/engine/oci/write';
import { readTar } from '../../../src/engine/tar/reader';
import { decompressBlob } from '../../../src/engine/compress/decompress';
import { sha256Bytes } from '../../../src/engine/digest/index';
import { MediaType } from '../../../src/engine/oci/types';
import { openBuilt } from '../layers/fixtures';

const env = { scratch: memoryScratch() };

/** A PAX tar whose global header (uname, gname) precedes a bare whiteout `.wh.`, then two files. */
function pythonTar(): Uint8Array {
  const py = `
import io, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT, pax_headers={'uname': 'globaluser', 'gname': 'globalgroup'}) as t:
    for name, data in [('.wh.', b''), ('etc/a', b'a\\n'), ('etc/b', b'b\\n')]:
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1700000000
        t.addfile(ti, io.BytesIO(data))
sys.stdout.buffer.write(buf.getvalue())
`;
  return new Uint8Array(execFileSync('python3', ['-c', py]));
}

async function owners(blob: Blob): Promise<string[]> {
  const out: string[] = [];
  for await (const it of readTar(decompressBlob(blob))) out.push(`${it.entry.path} ${it.entry.uname}:${it.entry.gname}`);
  return out;
}

describe('fix keeps global PAX headers of dropped entries', () => {
  it('moves them to the next kept entry', async () => {
    const tar = pythonTar();
    expect(tar[156]).toBe(0x67); // the first block is the global header
    const bytes = gzipSync(tar, { level: 1, mtime: 0 });
    const layer = { bytes, diffId: await sha256Bytes(tar), descriptor: { mediaType: MediaType.OciLayerGzip, digest: await sha256Bytes(bytes), size: bytes.length } };
    const { archive } = await openBuilt({ layers: [layer] });
    expect(await owners(archive.images[0].layers[0].blob!)).toEqual(['.wh. globaluser:globalgroup', 'etc/a globaluser:globalgroup', 'etc/b globaluser:globalgroup']);
    const repairs = defaultRepairs(planFix(archive, await diagnose(archive)));
    expect(repairs.map((r) => r.id)).toEqual(['drop-bare-whiteouts']);
    const result = await fix(archive, repairs, env);
    const fixed = await openImage(writeOciArchive(result.out), env);
    expect(await owners(fixed.images[0].layers[0].blob!)).toEqual(['etc/a globaluser:globalgroup', 'etc/b globaluser:globalgroup']);
  });
});
