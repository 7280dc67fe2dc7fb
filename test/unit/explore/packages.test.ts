// Installed packages from dpkg's status and apk's installed db, each tagged with the layer that installed it or
// last changed its entry. The fixture files are small copies of real databases (test/fixtures/packages).

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { listPackages, parseApkInstalled, parseDpkgStatus } from '../../../src/engine/ops/explore/packages';
import { ListingCache } from '../../../src/engine/ops/explore/listings';
import { memoryScratch } from '../../../src/engine/env';
import { dir, file, layer, openBuilt, sym, wh } from '../layers/fixtures';

const DPKG = readFileSync(new URL('../../fixtures/packages/dpkg-status', import.meta.url), 'utf8');
const APK = readFileSync(new URL('../../fixtures/packages/apk-installed', import.meta.url), 'utf8');

describe('package database parsers', () => {
  it('dpkg: installed paragraphs only, Installed-Size in KiB', () => {
    expect(parseDpkgStatus(DPKG)).toEqual([
      { name: 'base-files', version: '12.4+deb12u5', architecture: 'amd64', size: 341 * 1024 },
      { name: 'libc6', version: '2.36-9+deb12u4', architecture: 'amd64', size: 12985 * 1024 },
    ]);
  });
  it('apk: P/V/A/I records', () => {
    expect(parseApkInstalled(APK)).toEqual([
      { name: 'musl', version: '1.2.4-r2', architecture: 'x86_64', size: 622592 },
      { name: 'busybox', version: '1.36.1-r5', architecture: 'x86_64', size: 946176 },
    ]);
  });
});

describe('listPackages', () => {
  it('lists both databases of the merged filesystem with the layer that installed or changed each package', async () => {
    const upgraded = DPKG.replace('2.36-9+deb12u4', '2.36-9+deb12u7') + '\nPackage: curl\nStatus: install ok installed\nVersion: 7.88.1-10\nInstalled-Size: 500\n';
    const { archive } = await openBuilt({
      layers: [
        await layer([dir('var/'), dir('var/lib/'), dir('var/lib/dpkg/'), file('var/lib/dpkg/status', DPKG), file('lib/apk/db/installed', APK)]),
        await layer([file('etc/motd', 'hi')]),
        await layer([file('var/lib/dpkg/status', upgraded)]),
      ],
    });
    const r = await listPackages(archive, new ListingCache(archive), 0, { scratch: memoryScratch() });
    expect(r.databases).toEqual([
      { kind: 'dpkg', path: 'var/lib/dpkg/status', layer: 2, packages: 3 },
      { kind: 'apk', path: 'lib/apk/db/installed', layer: 0, packages: 2 },
    ]);
    expect(r.packages.map((p) => [p.name, p.version, p.db, p.layer])).toEqual([
      ['base-files', '12.4+deb12u5', 'dpkg', 0],
      ['busybox', '1.36.1-r5', 'apk', 0],
      ['curl', '7.88.1-10', 'dpkg', 2],
      ['libc6', '2.36-9+deb12u7', 'dpkg', 2],
      ['musl', '1.2.4-r2', 'apk', 0],
    ]);
    expect(r.notes).toEqual([]);
  });

  it('a database deleted by a later layer lists nothing; one reached through a symlinked directory is read', async () => {
    const { archive } = await openBuilt({
      layers: [await layer([file('lib/apk/db/installed', APK), file('var/lib/dpkg/status', DPKG)]), await layer([wh('lib/apk/db/.wh.installed')])],
    });
    const r = await listPackages(archive, new ListingCache(archive), 0, { scratch: memoryScratch() });
    expect(r.databases.map((d) => d.kind)).toEqual(['dpkg']);

    const linked = await openBuilt({ layers: [await layer([file('usr/lib/apk/db/installed', APK), sym('lib', 'usr/lib')])] });
    const r2 = await listPackages(linked.archive, new ListingCache(linked.archive), 0, { scratch: memoryScratch() });
    expect(r2.databases).toEqual([{ kind: 'apk', path: 'usr/lib/apk/db/installed', layer: 0, packages: 2 }]);
  });
});
