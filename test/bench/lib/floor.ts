// The floor section of `npm run bench`: the least time each job with a target (issue 11) could take on this
// machine with this stack, from what its parts cost when measured alone in the same run (test/bench/page/floor.ts).
// It assumes a perfect pool: no messaging, no copies, no idle worker, nothing else running. A job is
//   serial part (must finish before the rest starts) + max(its longest unsplittable stream, all its CPU / cores).
// When the floor is above the target, no scheduling can meet the target: only cheaper primitives can.

import { spawnSync } from 'node:child_process';
import type { Primitives } from '../page/floor';

const MiB = 1 << 20;

export interface FloorJob {
  job: string;
  /** Work that must end before the rest can start (the base image's header pass before a build's first byte). */
  serialMs: number;
  /** One stream that cannot be split across cores (a SHA-256 is one chain of blocks). */
  longestMs: number;
  /** All the rest, which a perfect pool spreads over every core. */
  cpuMs: number;
  /** What the floor is made of, for people. */
  parts: string;
}

export function floorMs(j: FloorJob, cores: number): number {
  return j.serialMs + Math.max(j.longestMs, j.cpuMs / cores);
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** verify: both SHA-256 streams (stored bytes and what they inflate to) and the native inflate. */
export function verifyFloor(p: Primitives, storedBytes: number, tarBytes: number): FloorJob {
  const stored = storedBytes / MiB;
  const tar = tarBytes / MiB;
  const shaStored = (stored / p.sha256MiBs) * 1000;
  const shaTar = (tar / p.sha256MiBs) * 1000;
  const inflate = (tar / p.inflateMiBs) * 1000;
  return {
    job: `verify (${stored.toFixed(0)} MiB gzip layer → ${tar.toFixed(0)} MiB)`,
    serialMs: 0,
    longestMs: Math.max(shaTar, shaStored, inflate),
    cpuMs: shaStored + shaTar + inflate,
    parts: `SHA-256 of the stored bytes ${s(shaStored)} + SHA-256 of the tar (diff_id) ${s(shaTar)} + native inflate ${s(inflate)}`,
  };
}

/**
 * build: the base layer's header pass (native inflate of its tar; the plan needs it before the app layer's first
 * byte), then the app layer: deflate (text at level 6, random bytes stored), SHA-256 of the tar and of the gzip,
 * the decode guard's inflate, and the CRC-32 of the tar.
 */
export function buildFloor(p: Primitives, baseTarBytes: number, rootfs: { text: number; random: number }): FloorJob {
  const base = ((baseTarBytes / MiB) / p.inflateMiBs) * 1000;
  const text = rootfs.text / MiB;
  const random = rootfs.random / MiB;
  const tar = text + random;
  const gz = text * p.deflateTextRatio + random;
  const deflate = text * p.deflateTextMs + random * p.deflateRandomMs;
  const sha = ((tar + gz) / p.sha256MiBs) * 1000;
  const guard = (tar / p.inflateMiBs) * 1000;
  const crc = tar * p.crc32Ms;
  return {
    job: `build: base + ${tar.toFixed(0)} MiB app rootfs`,
    serialMs: base,
    longestMs: (tar / p.sha256MiBs) * 1000,
    cpuMs: deflate + sha + guard + crc,
    parts:
      `base header pass ${s(base)}, then deflate ${s(deflate)} (level 6: ${text.toFixed(0)} MiB text, ${random.toFixed(0)} MiB stored) + ` +
      `SHA-256 of tar and gzip ${s(sha)} + guard inflate ${s(guard)} + CRC-32 ${s(crc)}`,
  };
}

/** Bytes of text and of random files in a bench rootfs tar (gen.ts names them .txt and .bin), from `tar -tvf`. */
export function rootfsMix(tar: string): { text: number; random: number } {
  const r = spawnSync('tar', ['-tvf', tar], { encoding: 'utf8', maxBuffer: 64 * MiB });
  const mix = { text: 0, random: 0 };
  for (const line of r.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const size = Number(f[2]);
    if (line.endsWith('.txt')) mix.text += size;
    else if (line.endsWith('.bin')) mix.random += size;
  }
  return mix;
}

export interface FloorRow {
  f: FloorJob;
  /** 0.8 × the native anchor's time in this run (the target), and the app's measured time. */
  targetMs?: number;
  appMs?: number;
}

export function floorTable(rows: FloorRow[], cores: number): string {
  const head = ['job', 'target (0.8 × anchor, this run)', `floor on ${cores} cores (perfect pool)`, 'app measured', 'floor ÷ target', 'the floor is'];
  const body = rows.map(({ f, targetMs, appMs }) => {
    const fl = floorMs(f, cores);
    return [
      f.job,
      targetMs === undefined ? '—' : s(targetMs),
      `**${s(fl)}**`,
      appMs === undefined ? '—' : s(appMs),
      targetMs === undefined ? '—' : `**${(fl / targetMs).toFixed(2)}×**`,
      f.parts,
    ];
  });
  return [head, head.map(() => '---'), ...body].map((c) => `| ${c.join(' | ')} |`).join('\n');
}

export function primitivesLine(p: Primitives): string {
  return [
    `SHA-256 (digest/sha256.ts) ${p.sha256MiBs.toFixed(0)} MiB/s`,
    `native inflate (DecompressionStream) ${p.inflateMiBs.toFixed(0)} MiB/s of output`,
    `deflate level 6 (compress/deflate-chunk.ts, fflate) ${p.deflateTextMs.toFixed(0)} ms per MiB of text (ratio ${p.deflateTextRatio.toFixed(3)})`,
    `level 1 ${p.deflate1TextMs.toFixed(0)} ms/MiB (ratio ${p.deflate1TextRatio.toFixed(3)})`,
    `random bytes found incompressible and stored ${p.deflateRandomMs.toFixed(1)} ms/MiB`,
    `the browser's CompressionStream('deflate-raw') per 1 MiB chunk ${p.nativeDeflateTextMs.toFixed(0)} ms/MiB (ratio ${p.nativeDeflateTextRatio.toFixed(3)})`,
    `CRC-32 ${p.crc32Ms.toFixed(2)} ms/MiB`,
  ].join('; ');
}
