// Every verb over one conformance item, each compared with what the reference tools say:
//   inspect   our `inspect --json` against `skopeo inspect` (config digest, layer digests, diff_ids, manifest
//             digest, tag)
//   verify    `verify --json` passes
//   diagnose  `diagnose --json` reports no error
//   ls        `ls --merged --json` against `umoci unpack` (else the independent python model of the OCI layer
//             rules, test/interop/rootfs.py): paths, types, file sizes
//   fix-oci   `fix --format oci` writes an archive that our verify, `skopeo copy` and `umoci unpack` accept, and whose
//             merged tree is the input's
//   fix-docker `fix --format docker` writes an archive `docker load` (Docker 20.10) loads
// A check's outcome is 'ok' or a one-line reason; the test compares the failing set with expected.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { Engines, Listing } from '../interop/engines';
import { dockerLoad, predictedRootfs, umociUnpackListing } from '../interop/engines';

export const CHECKS = ['inspect', 'verify', 'diagnose', 'ls', 'fix-oci', 'fix-docker'] as const;
export type Check = (typeof CHECKS)[number];

export interface Item {
  id: string;
  path: string;
  /** Tag the reference tools address it by, when it has one. */
  tag?: string;
  origin: string;
}

export interface Outcome {
  /** How the reference tools took the input: 'ok', or why skopeo refused it. */
  reference: string;
  /** Where the merged listing came from ('umoci', 'model' or 'none: why'). */
  listingFrom: string;
  checks: Record<Check, string>;
}

interface Cli {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[]): Promise<Cli> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), stderrIsTTY: false });
  return { code, out: out.join(''), err: err.join('') };
}

const sha256 = (b: string | Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const firstLine = (s: string) => s.trim().split('\n').find((l) => l.trim()) ?? '';

interface OurImage {
  tags: string[];
  manifest: { digest: string };
  config: { digest: string };
  layers: { digest: string; diffId?: string }[];
}

function tarHas(tar: string, name: string): boolean {
  try {
    return execFileSync('tar', ['-tf', tar], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n').some((l) => l.replace(/^\.\//, '') === name);
  } catch {
    return false;
  }
}

/** The skopeo reference of an item: `oci:DIR[:TAG]`, `oci-archive:TAR[:TAG]` or `docker-archive:TAR`. */
function skopeoRef(item: Item, format: string, images: number): string {
  if (statSync(item.path).isDirectory()) return `oci:${item.path}${item.tag ? `:${item.tag}` : ''}`;
  // When we could not open it, the archive's own files say which transport a reference tool would use.
  if (!format) format = tarHas(item.path, 'index.json') || !tarHas(item.path, 'manifest.json') ? 'oci-layout' : 'docker-archive';
  if (format === 'docker-archive') return `docker-archive:${item.path}${images > 1 ? ':@0' : ''}`;
  return `oci-archive:${item.path}${item.tag ? `:${item.tag}` : ''}`;
}

interface Reference {
  config: Buffer;
  raw: Buffer;
  layers: string[];
  diffIds: string[];
}

async function reference(e: Engines, ref: string): Promise<Reference> {
  const raw = Buffer.from((await e.skopeo(['inspect', '--raw', ref])).stdout, 'utf8');
  const config = Buffer.from((await e.skopeo(['inspect', '--config', '--raw', ref])).stdout, 'utf8');
  const info = JSON.parse((await e.skopeo(['inspect', ref])).stdout);
  return { raw, config, layers: info.Layers ?? [], diffIds: JSON.parse(config.toString()).rootfs?.diff_ids ?? [] };
}

interface Node {
  type: string;
  size: number;
  /** Part of a hardlink group: which path stores the bytes differs between tools, so sizes are not compared. */
  linked: boolean;
}

/** Our merged listing as the reference listings spell it: hardlinks are files, the root left out. */
function ourListing(rows: { path: string; type: string; size: number; linkpath?: string }[]): Map<string, Node> {
  const m = new Map<string, Node>();
  const targets = new Set(rows.filter((r) => r.type === 'hardlink').map((r) => r.linkpath));
  for (const r of rows) {
    const path = r.path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    if (!path || path === '.') continue;
    m.set(path, { type: r.type === 'hardlink' ? 'file' : r.type, size: r.size, linked: r.type === 'hardlink' || targets.has(path) });
  }
  return m;
}

function theirListing(l: Listing): Map<string, Node> {
  return new Map(l.map((x) => [x.path, { type: x.type, size: x.size, linked: !!x.hardlink }]));
}

function diffMaps(want: Map<string, Node>, got: Map<string, Node>): string {
  const d: string[] = [];
  for (const [p, t] of want) {
    const g = got.get(p);
    if (!g) d.push(`${p}: ${t.type} missing`);
    else if (g.type !== t.type) d.push(`${p}: ${t.type} vs ${g.type}`);
    else if (t.type === 'file' && !t.linked && !g.linked && t.size !== g.size) d.push(`${p}: size ${t.size} vs ${g.size}`);
  }
  for (const [p, t] of got) if (!want.has(p)) d.push(`${p}: extra ${t.type}`);
  return d.length ? `${d.length} differences, e.g. ${d.slice(0, 3).join('; ')}` : 'ok';
}

/** `skopeo copy REF oci:DIR:latest` (skopeo checks every digest, picks the platform), then `umoci unpack`. */
async function umociListing(e: Engines, ref: string, tmp: string, name: string): Promise<Listing> {
  const dir = join(tmp, name);
  await e.skopeo(['copy', ref, `oci:${dir}:latest`]);
  return umociUnpackListing(e, dir, 'latest');
}

const why = (err: unknown) => firstLine(String((err as Error).message).split('--- stderr (tail) ---')[1] ?? String(err));

async function referenceListing(e: Engines, item: Item, ref: string, tmp: string): Promise<{ from: string; listing?: Listing }> {
  const reasons: string[] = [];
  try {
    return { from: 'umoci', listing: await umociListing(e, ref, tmp, 'input-oci') };
  } catch (err) {
    reasons.push(`umoci: ${why(err)}`);
  }
  try {
    return { from: 'model', listing: await predictedRootfs(item.path, item.tag) };
  } catch (err) {
    reasons.push(`model: ${why(err)}`);
  }
  return { from: `none: ${reasons.join('; ')}` };
}

const guard = async (f: () => Promise<string>): Promise<string> => {
  try {
    return await f();
  } catch (err) {
    return `threw: ${firstLine(String((err as Error).message ?? err))}`;
  }
};

export async function runChecks(e: Engines, item: Item): Promise<Outcome> {
  const tmp = mkdtempSync(join(e.tmpdir('conf'), 'i-'));
  const checks = {} as Record<Check, string>;
  try {
    const insp = await cli(['inspect', item.path, '--json']);
    let format = '';
    let images: OurImage[] = [];
    if (insp.code === 0) {
      const j = JSON.parse(insp.out);
      format = j.format;
      images = j.images;
    }
    const ref = skopeoRef(item, format, images.length);
    let refd: Reference | undefined;
    let referenceOutcome = 'ok';
    try {
      refd = await reference(e, ref);
    } catch (err) {
      referenceOutcome = `skopeo inspect refused: ${why(err)}`;
    }
    // The image skopeo chose (its config), among ours.
    const mine = refd ? images.findIndex((i) => i.config.digest === sha256(refd!.config)) : 0;

    checks.inspect = await guard(async () => {
      if (insp.code !== 0) return `exit ${insp.code}: ${firstLine(insp.err)}`;
      if (!refd) return images.length ? 'ok' : 'no images';
      if (mine < 0) return `no image with skopeo's config ${sha256(refd.config)}`;
      const img = images[mine];
      // containers/image's docker-archive source names each layer by its diff_id (it serves the layer uncompressed)
      const got = img.layers.map((l) => (format === 'docker-archive' ? l.diffId : l.digest)).join(',');
      if (refd.layers.length && got !== refd.layers.join(',')) return `layers ${got} vs skopeo ${refd.layers.join(',')}`;
      const ids = img.layers.map((l) => l.diffId).join(',');
      if (ids !== refd.diffIds.join(',')) return `diff_ids ${ids} vs ${refd.diffIds.join(',')}`;
      const rawDoc = JSON.parse(refd.raw.toString());
      if (format !== 'docker-archive' && !rawDoc.manifests && img.manifest.digest !== sha256(refd.raw)) return `manifest ${img.manifest.digest} vs ${sha256(refd.raw)}`;
      if (item.tag && format !== 'docker-archive' && !img.tags.includes(item.tag)) return `tags ${img.tags.join(',')} lack ${item.tag}`;
      return 'ok';
    });

    checks.verify = await guard(async () => {
      const r = await cli(['verify', item.path, '--json']);
      if (r.code === 0) return 'ok';
      if (r.code === 2) return `error: ${firstLine(r.err)}`;
      const codes = [...new Set(JSON.parse(r.out).problems.map((p: { code: string }) => p.code))];
      return `problems: ${codes.join(',')}`;
    });

    checks.diagnose = await guard(async () => {
      const r = await cli(['diagnose', item.path, '--json']);
      if (r.code === 2) return `error: ${firstLine(r.err)}`;
      const errors = JSON.parse(r.out).filter((p: { severity: string }) => p.severity === 'error');
      return errors.length ? `errors: ${[...new Set(errors.map((p: { code: string }) => p.code))].join(',')}` : 'ok';
    });

    const refList = await referenceListing(e, item, ref, tmp);
    let ours: Map<string, Node> | undefined;
    checks.ls = await guard(async () => {
      const r = await cli(['ls', item.path, '--merged', '--json', '--image', String(Math.max(mine, 0))]);
      if (r.code !== 0) return `exit ${r.code}: ${firstLine(r.err)}`;
      ours = ourListing(JSON.parse(r.out));
      if (!refList.listing) return 'ok';
      return diffMaps(theirListing(refList.listing), ours);
    });

    checks['fix-oci'] = await guard(async () => {
      const out = join(tmp, 'fixed-oci.tar');
      const r = await cli(['fix', item.path, '-o', out, '--format', 'oci']);
      if (r.code !== 0) return `exit ${r.code}: ${firstLine(r.err) || firstLine(r.out)}`;
      const v = await cli(['verify', out]);
      if (v.code !== 0) return `our verify of the output: exit ${v.code}`;
      const oi = JSON.parse((await cli(['inspect', out, '--json'])).out) as { images: OurImage[] };
      const tag = oi.images[Math.max(mine, 0)]?.tags[0];
      let listing: Listing;
      try {
        listing = await umociListing(e, `oci-archive:${out}${tag ? `:${tag}` : ''}`, tmp, 'output-oci');
      } catch (err) {
        return `skopeo copy + umoci unpack: ${why(err)}`;
      }
      return ours ? diffMaps(ours, theirListing(listing)) : 'ok';
    });

    checks['fix-docker'] = await guard(async () => {
      const out = join(tmp, 'fixed-docker.tar');
      const r = await cli(['fix', item.path, '-o', out, '--format', 'docker']);
      if (r.code !== 0) return `exit ${r.code}: ${firstLine(r.err) || firstLine(r.out)}`;
      const l = await dockerLoad(e, out);
      if (!l.ok) return `docker load: ${firstLine(l.result.stderr)}`;
      for (const img of l.images) await e.docker(['rmi', '-f', img], { check: false });
      return 'ok';
    });
    return { reference: referenceOutcome, listingFrom: refList.from, checks };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function readProvenance(root: string): Item[] {
  const p = JSON.parse(readFileSync(join(root, 'provenance.json'), 'utf8')) as { items: { item: string; repo: string; commit: string; path: string }[] };
  return p.items.map((i) => ({ id: i.item, path: join(root, i.item), origin: `${i.repo}@${i.commit.slice(0, 12)}:${i.path}` }));
}
