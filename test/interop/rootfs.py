#!/usr/bin/env python3
"""Rootfs listings for the interop tests, independent of layerwright's own tar code (python tarfile).

  rootfs.py list-tar TAR            final state of one tar (e.g. `docker export`), last entry of a path wins
  rootfs.py list-dir DIR            a directory tree (e.g. `umoci unpack` rootfs), hardlinks grouped by inode
  rootfs.py predict IMAGE [TAG]     the image's layers applied per the OCI layer rules (see apply_layer)
  rootfs.py whiteouts IMAGE [TAG]   per layer, the literal paths its whiteouts name ([".../" + "*"] for opaque)

IMAGE: an OCI layout dir, an OCI archive (tar of a layout) or a docker-archive (manifest.json). Output: JSON on
stdout; an entry is {path, type, mode, uid, gid, size, link?, rdev?, sha256?, hardlink?} where type is one of
file/dir/symlink/char/block/fifo, hardlinked files are type "file" with hardlink = the smallest path of the group,
and paths are normalized (no "./", no leading or trailing "/", the root itself omitted).
"""
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile

WH = '.wh.'
OPQ = '.wh..wh..opq'


def norm(p):
    parts = [c for c in p.split('/') if c not in ('', '.')]
    if '..' in parts:
        return None
    return '/'.join(parts)


def ttype(m):
    if m.isreg() or m.type in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE):
        return 'file'
    return {tarfile.DIRTYPE: 'dir', tarfile.SYMTYPE: 'symlink', tarfile.LNKTYPE: 'hardlink',
            tarfile.CHRTYPE: 'char', tarfile.BLKTYPE: 'block', tarfile.FIFOTYPE: 'fifo'}.get(m.type, 'other')


class Node:
    __slots__ = ('meta', 'inode')

    def __init__(self, meta, inode):
        self.meta = meta
        self.inode = inode


_inode = [0]


def new_inode():
    _inode[0] += 1
    return _inode[0]


def read_tar_entries(fileobj):
    """One pass over a tar stream: [(path, kind, meta, linkname)] with file contents hashed on the way."""
    out = []
    with tarfile.open(fileobj=fileobj, mode='r|') as tf:
        for m in tf:
            p = norm(m.name)
            if p is None:
                print(f'rootfs.py: skipping unsafe path {m.name!r}', file=sys.stderr)
                continue
            t = ttype(m)
            meta = {'type': t, 'mode': m.mode & 0o7777, 'uid': m.uid, 'gid': m.gid, 'size': 0}
            if t == 'file':
                h = hashlib.sha256()
                f = tf.extractfile(m)
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    h.update(b)
                meta['size'] = m.size
                meta['sha256'] = h.hexdigest()
            elif t == 'symlink':
                meta['link'] = m.linkname
            elif t in ('char', 'block'):
                meta['rdev'] = f'{m.devmajor}:{m.devminor}'
            out.append((p, t, meta, m.linkname))
    return out


def remove_subtree(state, p):
    if p == '':
        state.clear()
        return
    state.pop(p, None)
    pre = p + '/'
    for k in [k for k in state if k.startswith(pre)]:
        del state[k]


def ensure_parents(state, p):
    parts = p.split('/')[:-1]
    cur = ''
    for c in parts:
        cur = f'{cur}/{c}' if cur else c
        n = state.get(cur)
        if n is None:
            state[cur] = Node({'type': 'dir', 'mode': 0o755, 'uid': 0, 'gid': 0, 'size': 0}, new_inode())
        elif n.meta['type'] != 'dir':
            # Real engines would resolve through the symlink here; the OCI model keeps the path literal.
            print(f'rootfs.py: {p!r} lies under non-directory {cur!r}', file=sys.stderr)


def apply_layer(state, entries):
    """OCI image-spec layer rules: whiteouts of a layer delete lower-layer paths only (so they go first);
    an entry replaces an existing path unless both are directories (then only the metadata changes)."""
    for p, t, meta, _ in entries:
        base = p.rsplit('/', 1)
        d, name = (base[0], base[1]) if len(base) == 2 else ('', base[0])
        if name == OPQ:
            pre = d + '/' if d else ''
            for k in [k for k in state if k.startswith(pre) and k != d]:
                del state[k]
        elif name.startswith(WH):
            target = name[len(WH):]
            if target:
                remove_subtree(state, f'{d}/{target}' if d else target)
    for p, t, meta, linkname in entries:
        name = p.rsplit('/', 1)[-1]
        if name.startswith(WH) or p == '':
            continue
        old = state.get(p)
        if t == 'hardlink':
            tgt = state.get(norm(linkname) or '')
            if tgt is None:
                print(f'rootfs.py: hardlink {p!r} -> missing {linkname!r}', file=sys.stderr)
                continue
            node = Node(dict(tgt.meta), tgt.inode)
        else:
            node = Node(meta, new_inode())
        if old is not None:
            if old.meta['type'] == 'dir' and node.meta['type'] == 'dir':
                state[p] = Node(node.meta, old.inode)
                continue
            remove_subtree(state, p)
        ensure_parents(state, p)
        state[p] = node


def listing_from_state(state):
    groups = {}
    for p, n in state.items():
        if n.meta['type'] == 'file':
            groups.setdefault(n.inode, []).append(p)
    out = []
    for p in sorted(state):
        n = state[p]
        e = {'path': p, **n.meta}
        if n.meta['type'] == 'file':
            g = groups[n.inode]
            if len(g) > 1:
                e['hardlink'] = min(g)
        out.append(e)
    return out


# --- image access ---------------------------------------------------------------------------------------------

class Image:
    """Blob access over an OCI layout dir, an OCI archive or a docker-archive."""

    def __init__(self, path):
        self.path = path
        self.tar = None
        self.names = {}
        if os.path.isdir(path):
            self.files = None
        else:
            self.tar = tarfile.open(path, 'r:')
            for m in self.tar.getmembers():
                p = norm(m.name)
                if p is not None:
                    self.names[p] = m

    def exists(self, name):
        if self.tar is None:
            return os.path.exists(os.path.join(self.path, name))
        return name in self.names

    def open(self, name):
        if self.tar is None:
            return open(os.path.join(self.path, name), 'rb')
        m = self.names[name]
        while m.issym() or m.islnk():
            m = self.names[norm(os.path.join(os.path.dirname(name), m.linkname) if m.issym() else m.linkname)]
        return self.tar.extractfile(m)

    def json(self, name):
        with self.open(name) as f:
            return json.load(f)

    def blob(self, digest):
        algo, hexd = digest.split(':', 1)
        return f'blobs/{algo}/{hexd}'

    def layer_names(self, tag):
        if self.exists('index.json'):
            idx = self.json('index.json')
            desc = self.pick(idx['manifests'], tag)
            while desc['mediaType'] in ('application/vnd.oci.image.index.v1+json',
                                        'application/vnd.docker.distribution.manifest.list.v2+json'):
                desc = self.pick(self.json(self.blob(desc['digest']))['manifests'], None)
            man = self.json(self.blob(desc['digest']))
            return [self.blob(l['digest']) for l in man['layers']]
        man = self.json('manifest.json')
        entry = man[0]
        if tag:
            for e in man:
                if any(t == tag or t.endswith(':' + tag) for t in (e.get('RepoTags') or [])):
                    entry = e
                    break
        return [norm(l) for l in entry['Layers']]

    @staticmethod
    def pick(descs, tag):
        if tag:
            for d in descs:
                ref = (d.get('annotations') or {}).get('org.opencontainers.image.ref.name', '')
                if ref == tag or ref.endswith(':' + tag):
                    return d
        if len(descs) == 1 or not tag:
            for d in descs:
                plat = d.get('platform') or {}
                if plat.get('os', 'linux') == 'linux' and plat.get('architecture', 'amd64') == 'amd64':
                    return d
            return descs[0]
        raise SystemExit(f'rootfs.py: tag {tag!r} not found')

    def layer_entries(self, name):
        with self.open(name) as raw:
            head = raw.read(4)
        with self.open(name) as raw:
            if head[:2] == b'\x1f\x8b':
                import gzip
                with gzip.GzipFile(fileobj=raw) as gz:
                    return read_tar_entries(gz)
            if head == b'\x28\xb5\x2f\xfd':
                with tempfile.TemporaryFile() as tmp:
                    shutil.copyfileobj(raw, tmp)
                    tmp.seek(0)
                    p = subprocess.Popen(['zstd', '-dc'], stdin=tmp, stdout=subprocess.PIPE)
                    try:
                        return read_tar_entries(p.stdout)
                    finally:
                        p.stdout.close()
                        if p.wait() != 0:
                            raise SystemExit('rootfs.py: zstd failed')
            return read_tar_entries(raw)


def predict(path, tag):
    img = Image(path)
    state = {}
    for name in img.layer_names(tag):
        apply_layer(state, img.layer_entries(name))
    return listing_from_state(state)


def whiteouts(path, tag):
    img = Image(path)
    out = []
    for name in img.layer_names(tag):
        paths = []
        for p, t, meta, _ in img.layer_entries(name):
            base = p.rsplit('/', 1)
            d, n = (base[0], base[1]) if len(base) == 2 else ('', base[0])
            if n == OPQ:
                paths.append((d + '/' if d else '') + '*')
            elif n.startswith(WH):
                paths.append(f'{d}/{n[len(WH):]}' if d else n[len(WH):])
        out.append(paths)
    return out


def list_tar(path):
    state = {}
    with open(path, 'rb') as f:
        entries = read_tar_entries(f)
    # A single tar (not a layer): no whiteout semantics, later entries replace earlier ones.
    for p, t, meta, linkname in entries:
        if p == '':
            continue
        if t == 'hardlink':
            tgt = state.get(norm(linkname) or '')
            if tgt is None:
                continue
            state[p] = Node(dict(tgt.meta), tgt.inode)
        else:
            state[p] = Node(meta, new_inode())
    return listing_from_state(state)


def list_dir(root):
    out = []
    groups = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                # overlayfs lists a whiteout device in a directory no lower layer has, but hides it on lookup
                continue
            m = st.st_mode
            e = {'path': rel, 'mode': stat.S_IMODE(m), 'uid': st.st_uid, 'gid': st.st_gid, 'size': 0}
            if stat.S_ISDIR(m):
                e['type'] = 'dir'
            elif stat.S_ISLNK(m):
                e['type'] = 'symlink'
                e['link'] = os.readlink(full)
            elif stat.S_ISREG(m):
                e['type'] = 'file'
                e['size'] = st.st_size
                h = hashlib.sha256()
                with open(full, 'rb') as f:
                    for b in iter(lambda: f.read(1 << 20), b''):
                        h.update(b)
                e['sha256'] = h.hexdigest()
                groups.setdefault((st.st_dev, st.st_ino), []).append(rel)
            elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
                e['type'] = 'char' if stat.S_ISCHR(m) else 'block'
                e['rdev'] = f'{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}'
            elif stat.S_ISFIFO(m):
                e['type'] = 'fifo'
            else:
                e['type'] = 'other'
            e['_ino'] = (st.st_dev, st.st_ino)
            out.append(e)
    for e in out:
        ino = e.pop('_ino')
        if e['type'] == 'file' and len(groups[ino]) > 1:
            e['hardlink'] = min(groups[ino])
    out.sort(key=lambda e: e['path'])
    return out


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, arg = argv[0], argv[1]
    tag = argv[2] if len(argv) > 2 else None
    if cmd == 'list-tar':
        res = list_tar(arg)
    elif cmd == 'list-dir':
        res = list_dir(arg)
    elif cmd == 'predict':
        res = predict(arg, tag)
    elif cmd == 'whiteouts':
        res = whiteouts(arg, tag)
    else:
        raise SystemExit(__doc__)
    json.dump(res, sys.stdout, separators=(',', ':'))


if __name__ == '__main__':
    main(sys.argv[1:])
