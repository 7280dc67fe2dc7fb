// Benchmark inputs, generated streaming into .tmp/bench/ and reused across runs (a ready.json stamp holds the
// spec; change the spec and the input is rebuilt). Nothing is held in memory: tar entries are produced chunk by
// chunk, hashed (diff_id) on the way into node:zlib, hashed again (digest) on the way to disk.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { join } from 'node:path';
import { Content } from './lib/content';
import { tarEntries, type Hdr } from './lib/tarstream';

export const BENCH_DIR = join(import.meta.dirname, '../../.tmp/bench');
const MiB = 1 << 20;

type Entry = { hdr: Hdr; body?: AsyncIterable<Uint8Array> | Uint8Array | string };

export interface LayerInfo {
  digest: string;
  size: number;
  diffId: string;
  tarSize: number;
}

/** Tees chunks into a hash (and optionally a file) while passing them on. */
function tap(hash: ReturnType<typeof createHash>, count: { n: number }, copy?: Writable): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      count.n += chunk.length;
      if (copy && !copy.write(chunk)) copy.once('drain', () => cb(null, chunk));
      else cb(null, chunk);
    },
    flush(cb) {
      if (copy) copy.end(cb);
      else cb();
    },
  });
}

/** Writes one gzip layer blob to `out`; `progress.gz` is live so generators can stop at a target size. */
async function writeLayer(entries: AsyncIterable<Entry>, out: string, level: number, progress: { gz: number }, keepTar?: string): Promise<LayerInfo> {
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  const tarCount = { n: 0 };
  const gzCount = {
    get n() {
      return progress.gz;
    },
    set n(v) {
      progress.gz = v;
    },
  };
  await pipeline(
    Readable.from(tarEntries(entries), { objectMode: false, highWaterMark: 4 * MiB }),
    tap(diff, tarCount, keepTar ? createWriteStream(keepTar) : undefined),
    createGzip({ level, chunkSize: 256 * 1024 }),
    tap(blob, gzCount),
    createWriteStream(out),
  );
  return { digest: 'sha256:' + blob.digest('hex'), size: progress.gz, diffId: 'sha256:' + diff.digest('hex'), tarSize: tarCount.n };
}

function sha(s: string): string {
  return 'sha256:' + createHash('sha256').update(s).digest('hex');
}

/** An OCI image layout directory around already-written layer blobs (moved into blobs/sha256/). */
function writeLayout(dir: string, layers: { tmp: string; info: LayerInfo }[], tag: string): { manifest: string; config: string } {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  for (const l of layers) renameSync(l.tmp, join(dir, 'blobs/sha256', l.info.digest.slice(7)));
  const config = JSON.stringify({
    created: '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.info.diffId) },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layerwright bench layer ${i}` })),
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: Buffer.byteLength(config) },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.info.digest, size: l.info.size })),
  });
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha(manifest),
        size: Buffer.byteLength(manifest),
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  });
  writeFileSync(join(dir, 'blobs/sha256', sha(config).slice(7)), config);
  writeFileSync(join(dir, 'blobs/sha256', sha(manifest).slice(7)), manifest);
  writeFileSync(join(dir, 'index.json'), index);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { manifest: sha(manifest), config: sha(config) };
}

/** Tars a layout directory (as `tar -cf x.tar -C dir .` would, without the ./ prefix). */
async function packLayout(dir: string, out: string): Promise<void> {
  async function* entries(): AsyncGenerator<Entry> {
    yield { hdr: { path: 'oci-layout', size: statSync(join(dir, 'oci-layout')).size }, body: join(dir, 'oci-layout') };
    yield { hdr: { path: 'index.json', size: statSync(join(dir, 'index.json')).size }, body: join(dir, 'index.json') };
    yield { hdr: { path: 'blobs/', type: '5' } };
    yield { hdr: { path: 'blobs/sha256/', type: '5' } };
    for (const f of readdirSync(join(dir, 'blobs/sha256')).sort()) {
      const p = join(dir, 'blobs/sha256', f);
      yield { hdr: { path: `blobs/sha256/${f}`, size: statSync(p).size }, body: p };
    }
  }
  await pipeline(Readable.from(tarEntries(entries())), createWriteStream(out));
}

// ---------------------------------------------------------------------------------------------------------

/** Files until the compressed layer reaches `targetGz`: sizes 256 KiB..maxFile, `randomShare` incompressible. */
async function* fillerFiles(c: Content, dir: string, progress: { gz: number }, targetGz: number, randomShare: number, maxFile: number): AsyncGenerator<Entry> {
  yield { hdr: { path: dir + '/', type: '5' } };
  for (let i = 0; progress.gz < targetGz; i++) {
    const size = 256 * 1024 + c.int(maxFile - 256 * 1024);
    const kind = c.int(1000) < randomShare * 1000 ? 'random' : 'text';
    yield { hdr: { path: `${dir}/f${String(i).padStart(5, '0')}.${kind === 'random' ? 'bin' : 'txt'}`, size }, body: toAsync(c.chunks(size, kind)) };
  }
}

async function* toAsync<T>(it: Iterable<T>): AsyncGenerator<T> {
  yield* it;
}

export interface Input {
  name: string;
  dir: string;
  /** The OCI layout tar the app opens. */
  tar: string;
  /** Extracted layout (for the native anchors), when kept. */
  layout?: string;
  /** The (last) layer blob and, for `big`, its uncompressed tar. */
  layerBlob?: string;
  layerTar?: string;
  layer: LayerInfo;
  tarSize: number;
}

function ready(dir: string, spec: object): Input | undefined {
  const f = join(dir, 'ready.json');
  if (!existsSync(f)) return undefined;
  const r = JSON.parse(readFileSync(f, 'utf8')) as { spec: object; input: Input };
  return JSON.stringify(r.spec) === JSON.stringify(spec) ? r.input : undefined;
}

async function make(name: string, spec: object, build: (dir: string) => Promise<Omit<Input, 'name' | 'dir' | 'tarSize'>>): Promise<Input> {
  const dir = join(BENCH_DIR, name);
  const have = ready(dir, spec);
  if (have) return have;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t = Date.now();
  process.stdout.write(`generating ${name} ...`);
  const r = await build(dir);
  const input: Input = { name, dir, ...r, tarSize: statSync(r.tar).size };
  writeFileSync(join(dir, 'ready.json'), JSON.stringify({ spec, input }, null, 1));
  console.log(` ${(input.tarSize / MiB).toFixed(0)} MiB in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return input;
}

/** A one-layer image with a gzip layer of ~`gzMiB` of mixed content (half incompressible). */
export function bigImage(gzMiB = 400): Promise<Input> {
  const spec = { v: 1, gzMiB, level: 6, randomShare: 0.5 };
  return make(`big-${gzMiB}m`, spec, async (dir) => {
    const c = new Content(1);
    const progress = { gz: 0 };
    const tmp = join(dir, 'layer.tmp');
    const layerTar = join(dir, 'layer.tar');
    const info = await writeLayer(fillerFiles(c, 'usr/share/bench', progress, gzMiB * MiB, 0.5, 4 * MiB), tmp, 6, progress, layerTar);
    const layout = join(dir, 'layout');
    writeLayout(layout, [{ tmp, info }], 'latest');
    const tar = join(dir, 'image-oci.tar');
    await packLayout(layout, tar);
    return { tar, layout, layerBlob: join(layout, 'blobs/sha256', info.digest.slice(7)), layerTar, layer: info };
  });
}

/** For the memory benchmark: one gzip layer of ~`gzMiB` (80% incompressible, gzip -1); only the tar is kept. */
export function memImage(gzMiB: number): Promise<Input> {
  const spec = { v: 1, gzMiB, level: 1, randomShare: 0.8 };
  return make(`mem-${gzMiB}m`, spec, async (dir) => {
    const c = new Content(gzMiB);
    const progress = { gz: 0 };
    const tmp = join(dir, 'layer.tmp');
    const info = await writeLayer(fillerFiles(c, 'opt/data', progress, gzMiB * MiB, 0.8, 16 * MiB), tmp, 1, progress);
    const layout = join(dir, 'layout');
    writeLayout(layout, [{ tmp, info }], 'latest');
    const tar = join(dir, 'image-oci.tar');
    await packLayout(layout, tar);
    rmSync(layout, { recursive: true }); // the tar holds it; keep disk use at one copy
    return { tar, layer: info };
  });
}

const BIN = 'bash cat chmod chown cp date dd df dir echo false grep gzip hostname kill ln login ls mkdir mknod mktemp more mount mv pidof ps pwd rm rmdir sed sh sleep stty su sync tar touch true umount uname vdir zcat'.split(' ');
const SBIN = 'agetty blkid fdisk fsck getty halt hwclock ifconfig init insmod ip ldconfig losetup mkfs modprobe reboot route shutdown sulogin swapon'.split(' ');
const LIB = 'ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libz.so.1 libcrypt.so.1 libnsl.so.1 libresolv.so.2'.split(' ');
const LIBDIRS = ['x86_64-linux-gnu', 'systemd', 'udev', 'modules', 'firmware', 'terminfo'];

/**
 * The seed's broken image at scale: a traditional base layer (real bin/ sbin/ lib/ lib64/ directories) and a
 * large merged-usr app layer where `bin -> usr/bin` etc. are followed by whiteouts *under* the symlinks, the
 * way umoci repack writes them after the seed deletes those directories.
 */
export function brokenImage(gzMiB = 300): Promise<Input> {
  const spec = { v: 1, gzMiB, level: 6 };
  return make(`broken-${gzMiB}m`, spec, async (dir) => {
    const c = new Content(7);
    const small = (path: string, kind: 'random' | 'text' = 'random'): Entry => {
      const size = 4096 + c.int(60 * 1024);
      return { hdr: { path, size, mode: 0o755 }, body: c.chunks(size, kind).next().value as Uint8Array };
    };
    async function* base(): AsyncGenerator<Entry> {
      for (const d of ['bin/', 'sbin/', 'lib/', 'lib64/', 'etc/', 'usr/', 'usr/bin/', 'usr/lib/', 'usr/share/', 'var/', 'var/log/']) yield { hdr: { path: d, type: '5' } };
      for (const f of BIN) yield small(`bin/${f}`);
      for (const f of SBIN) yield small(`sbin/${f}`);
      for (const f of LIB) yield small(`lib/${f}`);
      for (const d of LIBDIRS) {
        yield { hdr: { path: `lib/${d}/`, type: '5' } };
        for (let i = 0; i < 20; i++) yield small(`lib/${d}/lib${d.replace(/\W/g, '')}-${i}.so`);
      }
      yield { hdr: { path: 'lib64/ld-linux-x86-64.so.2', type: '2', linkpath: '/lib/ld-linux-x86-64.so.2' } };
      for (const f of ['passwd', 'group', 'hostname', 'os-release']) yield small(`etc/${f}`, 'text');
      for (let i = 0; i < 40; i++) yield small(`usr/bin/tool${i}`);
      yield small('var/log/dpkg.log', 'text');
    }
    async function* app(progress: { gz: number }): AsyncGenerator<Entry> {
      for (const [link, target, names] of [
        ['bin', 'usr/bin', BIN],
        ['lib', 'usr/lib', [...LIB, ...LIBDIRS]],
        ['lib64', 'usr/lib64', ['ld-linux-x86-64.so.2']],
        ['sbin', 'usr/sbin', SBIN],
      ] as const) {
        yield { hdr: { path: link, type: '2', linkpath: target } };
        for (const n of names) yield { hdr: { path: `${link}/.wh.${n}`, size: 0 } };
      }
      for (const d of ['usr/', 'usr/bin/', 'usr/sbin/', 'usr/lib/', 'usr/lib64/', 'usr/share/']) yield { hdr: { path: d, type: '5' } };
      for (const f of ['busybox', 'app', 'sh']) yield small(`usr/bin/${f}`);
      yield small('usr/lib/libc.so.6');
      yield* fillerFiles(c, 'usr/share/app-data', progress, gzMiB * MiB, 0.5, 4 * MiB);
    }
    const p0 = { gz: 0 };
    const t0 = join(dir, 'l0.tmp');
    const base0 = await writeLayer(base(), t0, 6, p0);
    const p1 = { gz: 0 };
    const t1 = join(dir, 'l1.tmp');
    const app1 = await writeLayer(app(p1), t1, 6, p1);
    const layout = join(dir, 'layout');
    writeLayout(layout, [{ tmp: t0, info: base0 }, { tmp: t1, info: app1 }], 'latest');
    const tar = join(dir, 'image-oci.tar');
    await packLayout(layout, tar);
    return { tar, layout, layerBlob: join(layout, 'blobs/sha256', app1.digest.slice(7)), layer: app1 };
  });
}

/** The big image's layout tar, gzip -1'd as a whole (the "OCI layout as tar.gz" input form). */
export function bigTarGz(big: Input): Promise<Input> {
  const spec = { v: 1, from: big.layer.digest };
  return make('big-tar-gz', spec, async (dir) => {
    const tar = join(dir, 'image-oci.tar.gz');
    await pipeline(createReadStream(big.tar, { highWaterMark: 4 * MiB }), createGzip({ level: 1 }), createWriteStream(tar));
    return { tar, layer: big.layer };
  });
}

/** An app rootfs as a plain tar (the build's input): ~`mib` MiB of mixed files under opt/app and usr/. */
export function appRootfs(mib = 300): Promise<Input> {
  const spec = { v: 1, mib };
  return make(`rootfs-${mib}m`, spec, async (dir) => {
    const c = new Content(42);
    const tar = join(dir, 'rootfs.tar');
    let written = 0;
    async function* entries(): AsyncGenerator<Entry> {
      for (const d of ['opt/', 'opt/app/', 'usr/', 'usr/bin/', 'usr/lib/', 'etc/']) yield { hdr: { path: d, type: '5' } };
      yield { hdr: { path: 'etc/app.conf', size: 12 }, body: new TextEncoder().encode('mode=bench\n\n') };
      for (let i = 0; written < mib * MiB; i++) {
        const size = 64 * 1024 + c.int(4 * MiB);
        const kind = i % 2 ? 'random' : 'text';
        written += size;
        yield { hdr: { path: `opt/app/data-${String(i).padStart(4, '0')}.${kind === 'random' ? 'bin' : 'txt'}`, size }, body: toAsync(c.chunks(size, kind)) };
      }
    }
    await pipeline(Readable.from(tarEntries(entries())), createWriteStream(tar));
    return { tar, layer: { digest: '', size: statSync(tar).size, diffId: '', tarSize: statSync(tar).size } };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `tsx test/bench/gen.ts [big|broken|mem]...`: generate only
  const which = process.argv.slice(2);
  const all = which.length === 0;
  if (all || which.includes('big')) console.log(await bigImage());
  if (all || which.includes('broken')) console.log(await brokenImage());
  if (all || which.includes('mem')) for (const m of [512, 1024, 2048]) console.log(await memImage(m));
}
