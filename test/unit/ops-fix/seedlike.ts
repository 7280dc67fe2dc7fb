// A seed-like broken image: a classic-layout base and a merged-usr app layer made the way umoci repack makes it
// after the seed deleted the base's bin/lib/sbin/var/log: symlinks, then whiteouts INSIDE them.

import { dir, file, layer, sym, wh, type BuiltLayer, type E } from '../layers/fixtures';

export const BASE: E[] = [
  dir('bin/'), file('bin/bash'), file('bin/cat'), file('bin/sh', '#!fake sh'),
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
  dir('usr/'), dir('usr/bin/'), file('usr/bin/app', '#!/bin/sh\necho hi\n'), file('usr/bin/sh', '#!fake sh 2'),
  dir('usr/sbin/'),
  dir('var/'), sym('var/log', 'volatile/log'), wh('var/log/.wh.dpkg.log'), dir('var/volatile/'), dir('var/volatile/log/'),
  file('etc/hostname', 'app'),
];

export const APP_WHITEOUTS = APP.filter((e) => e.path.includes('.wh.')).map((e) => e.path);

export async function seedLayers(): Promise<{ base: BuiltLayer; app: BuiltLayer }> {
  return { base: await layer(BASE), app: await layer(APP) };
}
