// A seed-like broken image: a classic-layout base and a merged-usr app layer made the way umoci repack makes it
// after the seed deleted the base's bin/lib/sbin/var/log: symlinks, then whiteouts INSIDE them.

import { dir, file, layer, sym, wh, type BuiltLayer, type E } from '../layers/fixtures';

export const BASE: E[] = [
  dir('bin/'), file('bin/bash'), file('bin/cat'), file('bin/sh', 'fake sh binary'),
  dir('lib/'), dir('lib/x86_64-linux-gnu/'), file('lib/x86_64-linux-gnu/libc.so.6'), dir('lib/systemd/'), file('lib/systemd/systemd'),
  dir('sbin/'), file('sbin/init'),
  dir('usr/'), dir('usr/bin/'), file('usr/bin/touch'), file('usr/bin/env'), dir('usr/lib/'), file('usr/lib/os-release'),
  dir('var/'), dir('var/log/'), file('var/log/dpkg.log'),
  dir('etc/'), file('etc/passwd'),
];

/** The app layer as umoci emits it: symlinks over the deleted directories, then the deletions as whiteouts. */
export const APP: E[] = [
  sym('bin', 'usr/bin'), wh('bin/.wh.bash'), wh('bin/.wh.cat'), wh('bin/.wh.sh'),
  sym('lib', 'usr/lib'), wh('lib/.wh.x86_64-linux-gnu'), wh('lib/.wh.systemd'),
  sym('sbin', 'usr/sbin'), wh('sbin/.wh.init'),
  dir('usr/'), dir('usr/bin/'), file('usr/bin/app', '#!/bin/sh\necho hi\n'), file('usr/bin/sh', 'fake sh binary 2'),
  dir('usr/sbin/'),
  dir('var/'), sym('var/log', 'volatile/log'), wh('var/log/.wh.dpkg.log'), dir('var/volatile/'), dir('var/volatile/log/'),
  file('etc/hostname', 'app'),
];

export const APP_WHITEOUTS = APP.filter((e) => e.path.includes('.wh.')).map((e) => e.path);

export async function seedLayers(): Promise<{ base: BuiltLayer; app: BuiltLayer }> {
  return { base: await layer(BASE), app: await layer(APP) };
}

/**
 * A minimal 64-bit little-endian ELF executable: header + one program header, PT_INTERP naming `interp` (none: a
 * static program). Every byte is below 0x80, so it survives the fixtures' string bodies unchanged.
 */
export function elf(interp: string | undefined): string {
  const b = new Uint8Array(120 + (interp ? interp.length + 1 : 0));
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 0x3e, true); // x86-64
  v.setUint32(20, 1, true);
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setUint16(52, 64, true); // e_ehsize
  v.setUint16(54, 56, true); // e_phentsize
  v.setUint16(56, interp ? 1 : 0, true); // e_phnum
  if (interp) {
    v.setUint32(64, 3, true); // PT_INTERP
    v.setUint32(68, 4, true);
    v.setBigUint64(72, 120n, true); // p_offset
    v.setBigUint64(96, BigInt(interp.length + 1), true); // p_filesz
    b.set(new TextEncoder().encode(interp), 120);
  }
  return String.fromCharCode(...b);
}
