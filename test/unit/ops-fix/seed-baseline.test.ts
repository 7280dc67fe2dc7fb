// The seed's own fix (seed_fix.sh: jq + python tarfile + gzip -n, a copy of shared/baseline/seed_fix.sh) and
// layerwright's fix must give the same layer CONTENT (entries, metadata, file bytes; not compression or header
// encoding: python re-encodes every header, we copy them verbatim).

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'fflate';
import { createHash } from 'node:crypto';
import { readTar } from '../../../src/engine/tar/reader';
import { cleanPath } from '../../../src/engine/layers/paths';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { defaultRepairs, fix, planFix } from '../../../src/engine/ops/fix';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { writeOciArchive } from '../../../src/engine/oci/write';
import { bytesOf, layoutFiles } from '../layers/fixtures';
import { seedLayers } from './seedlike';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'seed_fix.sh');
const hasTools = (() => {
  try {
    execFileSync('bash', ['-c', 'command -v jq && command -v python3 && command -v sha256sum && command -v gzip'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function contentOf(tarGz: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  for await (const it of readTar(new Blob([gunzipSync(tarGz) as BlobPart]).stream())) {
    const e = it.entry;
    const h = createHash('sha256');
    for await (const c of it.data()) h.update(c);
    out.push([cleanPath(e.path).path, e.type, e.linkpath, e.mode & 0o7777, e.uid, e.gid, Math.floor(e.mtime), e.size, h.digest('hex')].join(' '));
  }
  return out;
}

describe.skipIf(!hasTools)('layerwright fix vs the seed fix script', () => {
  it('gives the same layer content on a seed-like broken layout', async () => {
    const { base, app } = await seedLayers();
    const built = await layoutFiles({ layers: [base, app] });
    const dir = mkdtempSync(join(tmpdir(), 'lw-seedfix-'));
    try {
      for (const [p, b] of built.files) {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), b);
      }
      execFileSync('bash', [SCRIPT, dir, 'latest'], { stdio: 'pipe' });
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
      const blob = (d: string) => readFileSync(join(dir, 'blobs', 'sha256', d.slice(7)));
      const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
      const seedLayer = new Uint8Array(blob(manifest.layers[1].digest));

      const env = { scratch: memoryScratch() };
      const archive = await openImage(built.blob, env);
      const result = await fix(archive, defaultRepairs(planFix(archive, await diagnose(archive))), env);
      const ours = await openImage(writeOciArchive(result.out), env);
      const ourLayer = await bytesOf(ours.images[0].layers[1].blob!);

      expect(await contentOf(ourLayer)).toEqual(await contentOf(seedLayer));
      // Same image otherwise: the base layer is untouched by both.
      expect(manifest.layers[0].digest).toBe(ours.images[0].layers[0].descriptor.digest);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
