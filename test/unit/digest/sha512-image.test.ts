// An image whose blobs are named by sha512 (image-spec descriptor.md registers it): verify checks them with
// SHA-512, diagnose reports no false digest-mismatch, fix keeps every unchanged blob's sha512 name.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { tarBlob } from '../../../src/engine/tar/writer';
import { MediaType } from '../../../src/engine/oci/types';
import { tarBytes } from '../layers/fixtures';
import { APP, BASE } from '../ops-fix/seedlike';

const enc = new TextEncoder();
const hash = (alg: 'sha256' | 'sha512', b: Uint8Array) => `${alg}:` + createHash(alg).update(b).digest('hex');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), stderrIsTTY: false } };
}

/** A layout whose manifest, config and layers are all sha512; layer 0's diff_id is sha256, layer 1's sha512. */
async function sha512Layout(opts: { corruptLayer?: boolean } = {}): Promise<Uint8Array> {
  const blobs = new Map<string, Uint8Array>();
  const put = (b: Uint8Array) => {
    const d = hash('sha512', b);
    blobs.set(d, b);
    return d;
  };
  const layers = [];
  const diffIds = [];
  for (const [i, entries] of [BASE, APP].entries()) {
    const tar = await tarBytes(entries);
    diffIds.push(hash(i === 0 ? 'sha256' : 'sha512', tar));
    const gz = gzipSync(tar, { level: 1, mtime: 0 });
    layers.push({ mediaType: MediaType.OciLayerGzip, digest: put(gz), size: gz.length });
    if (opts.corruptLayer && i === 0) gz[gz.length - 9] ^= 1; // the CRC32 trailer: content hashes differently
  }
  const config = enc.encode(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/usr/bin/app'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: put(config), size: config.length }, layers }));
  const md = put(manifest);
  const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: md, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'sha512' } }] };
  const files = [
    { header: { path: 'oci-layout', type: 'file' as const, size: 30 }, body: enc.encode('{"imageLayoutVersion":"1.0.0"}') },
    { header: { path: 'index.json', type: 'file' as const }, body: enc.encode(JSON.stringify(index)) },
    ...[...blobs].map(([d, b]) => ({ header: { path: `blobs/sha512/${d.slice(7)}`, type: 'file' as const, size: b.length }, body: b })),
  ].map((f) => ({ header: { ...f.header, size: f.body.length, mtime: 0 }, body: f.body }));
  return new Uint8Array(await tarBlob(files).arrayBuffer());
}

describe('sha512-named blobs', () => {
  it('verify checks them, diagnose reports only the real defect, fix keeps unchanged blobs sha512', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-sha512-'));
    const input = join(dir, 'in.tar');
    writeFileSync(input, await sha512Layout());

    const v = io();
    expect(await main(['verify', input, '--json'], v.io)).toBe(0);
    expect(JSON.parse(v.out.join(''))).toMatchObject({ ok: true, problems: [] });

    const d = io();
    expect(await main(['diagnose', input, '--json'], d.io)).toBe(1);
    const codes = new Set(JSON.parse(d.out.join('')).map((p: { code: string }) => p.code));
    expect(codes.has('whiteout-under-non-directory')).toBe(true);
    for (const c of ['digest-mismatch', 'diffid-mismatch', 'unsupported-digest', 'unsupported-media-type', 'unknown-media-type']) expect(codes.has(c), c).toBe(false);

    const out = join(dir, 'fixed.tar');
    const f = io();
    expect(await main(['fix', input, '-o', out, '--json'], f.io)).toBe(0);
    const i = io();
    expect(await main(['inspect', out, '--json'], i.io)).toBe(0);
    const img = JSON.parse(i.out.join('')).images[0];
    // layer 0 is unchanged: same sha512 name; layer 1 was rewritten (new content, digested the default way)
    const l0 = img.layers[0];
    expect(l0.digest ?? l0.descriptor?.digest).toMatch(/^sha512:[0-9a-f]{128}$/);
    const v2 = io();
    expect(await main(['verify', out, '--json'], v2.io)).toBe(0);
    const d2 = io();
    expect(await main(['diagnose', out], d2.io)).toBe(0);
  });

  it('a sha512 layer whose bytes changed is a digest-mismatch, computed with sha512', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-sha512-'));
    const input = join(dir, 'bad.tar');
    writeFileSync(input, await sha512Layout({ corruptLayer: true }));
    const v = io();
    expect(await main(['verify', input, '--json'], v.io)).toBe(1);
    const problems = JSON.parse(v.out.join('')).problems;
    const mm = problems.find((p: { code: string }) => p.code === 'digest-mismatch');
    expect(mm.actual).toMatch(/^sha512:[0-9a-f]{128}$/);
  });
});
