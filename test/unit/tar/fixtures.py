# Builds tar archives with real tools (GNU tar in every format, Python tarfile GNU/PAX/USTAR incl. pax_headers
# and global headers) and writes Python's listing of each as JSON, the reference the tar tests compare against.
# usage: python3 fixtures.py OUTDIR
import hashlib, json, os, subprocess, sys, tarfile, io, shutil

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def tree(root, full):
    os.makedirs(root)
    def w(rel, data):
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'wb') as f:
            f.write(data)
        os.utime(p, (1600000000, 1600000000))
    w('hello.txt', b'hello world\n')
    w('empty', b'')
    w('blocks/exact512', b'A' * 512)
    w('blocks/big', bytes(range(256)) * 300)
    w('dir/sub/file', b'nested')
    os.symlink('hello.txt', os.path.join(root, 'sym'))
    os.link(os.path.join(root, 'hello.txt'), os.path.join(root, 'hard'))
    os.mkfifo(os.path.join(root, 'fifo'))
    if full:
        longdir = '/'.join(['d' * 60] * 3)  # 182 bytes of directories
        w(longdir + '/' + 'f' * 90, b'long name > 255\n')
        w('x' * 150, b'150 without slash\n')
        w('ünïcødé/ファイル.txt', 'ü'.encode())
        os.symlink('t' * 150 + '/target', os.path.join(root, 'longlink'))
        os.link(os.path.join(root, longdir, 'f' * 90), os.path.join(root, 'hardlong'))
        w('old', b'negative mtime')
        os.utime(os.path.join(root, 'old'), (-1000, -1000))
        try:
            os.setxattr(os.path.join(root, 'hello.txt'), 'user.foo', b'bar')
        except OSError:
            pass

def gnutar(name, fmt, src, *extra):
    path = os.path.join(out, name)
    subprocess.run(['tar', '--format=' + fmt, '--sort=name', *extra, '-cf', path, '-C', src, '.'], check=True,
                   env={**os.environ, 'LC_ALL': 'C.UTF-8'})

short = os.path.join(out, 'tree-short')
full = os.path.join(out, 'tree-full')
for d in (short, full):
    shutil.rmtree(d, ignore_errors=True)
tree(short, False)
tree(full, True)
made = []
gnutar('gnu-v7.tar', 'v7', short, '--exclude=./fifo'); made.append('gnu-v7.tar')  # v7 has no fifos
gnutar('gnu-ustar.tar', 'ustar', short); made.append('gnu-ustar.tar')
gnutar('gnu-gnu.tar', 'gnu', full); made.append('gnu-gnu.tar')
gnutar('gnu-gnu-bigid.tar', 'gnu', full, '--owner=bob:3000000', '--group=grp:4000000'); made.append('gnu-gnu-bigid.tar')
gnutar('gnu-pax.tar', 'pax', full, '--xattrs', '--owner=bob:3000000', '--group=grp:4000000'); made.append('gnu-pax.tar')
gnutar('gnu-oldgnu.tar', 'oldgnu', full); made.append('gnu-oldgnu.tar')

def pyentries():
    def ti(name, type=tarfile.REGTYPE, **kw):
        t = tarfile.TarInfo(name)
        t.type = type
        t.mtime = 1500000000
        for k, v in kw.items():
            setattr(t, k, v)
        return t
    yield ti('plain.txt', uid=1000, gid=1000, uname='user', gname='group'), b'plain\n'
    yield ti('dir', tarfile.DIRTYPE, mode=0o755), None
    yield ti('dev/null', tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666), None
    yield ti('dev/sda', tarfile.BLKTYPE, devmajor=8, devminor=0), None
    yield ti('dev/bigdev', tarfile.BLKTYPE, devmajor=300, devminor=70000), None
    yield ti('fifo', tarfile.FIFOTYPE), None
    yield ti('p/' * 70 + 'long', uid=5), b'long\n'
    yield ti('link', tarfile.SYMTYPE, linkname='L' * 300), None
    yield ti('hl', tarfile.LNKTYPE, linkname='plain.txt'), None
    yield ti('bigid', uid=3_000_000_000, gid=2**31 + 5), b'ids'
    yield ti('negtime', mtime=-86400), b'n'
    yield ti('contig', tarfile.CONTTYPE), b'contiguous'

def pytar(name, fmt, pax=False, global_headers=None, encoding='utf-8'):
    path = os.path.join(out, name)
    with tarfile.open(path, 'w', format=fmt, pax_headers=global_headers or {}, encoding=encoding) as tf:
        for t, data in pyentries():
            if fmt == tarfile.USTAR_FORMAT and (len(t.name) > 255 or len(t.linkname) > 100 or t.uid > 0o7777777 or t.gid > 0o7777777 or t.mtime < 0):
                continue
            if pax:
                if t.name == 'plain.txt':
                    t.pax_headers = {'SCHILY.xattr.user.k': 'v', 'SCHILY.xattr.security.capability': '\x01\x00\x00\x02', 'comment': 'hé'}
                if t.name == 'negtime':
                    t.mtime = 1500000000.5
            if data is not None:
                t.size = len(data)
                tf.addfile(t, io.BytesIO(data))
            else:
                tf.addfile(t)
        if pax:
            t = tarfile.TarInfo('ünï/ファイル')
            t.size = 1
            tf.addfile(t, io.BytesIO(b'u'))
    made.append(name)

pytar('py-gnu.tar', tarfile.GNU_FORMAT)
pytar('py-pax.tar', tarfile.PAX_FORMAT, pax=True)
pytar('py-pax-global.tar', tarfile.PAX_FORMAT, pax=True, global_headers={'comment': 'global', 'uname': 'gowner'})
pytar('py-ustar.tar', tarfile.USTAR_FORMAT)

if shutil.which('busybox'):
    subprocess.run(['busybox', 'tar', '-cf', os.path.join(out, 'busybox.tar'), '-C', short, '.'], check=True)
    made.append('busybox.tar')

TYPES = {tarfile.REGTYPE: 'file', tarfile.AREGTYPE: 'file', tarfile.CONTTYPE: 'file', tarfile.LNKTYPE: 'hardlink',
         tarfile.SYMTYPE: 'symlink', tarfile.CHRTYPE: 'char', tarfile.BLKTYPE: 'block', tarfile.DIRTYPE: 'dir',
         tarfile.FIFOTYPE: 'fifo'}
listing = {}
for name in made:
    items = []
    with tarfile.open(os.path.join(out, name), 'r:', encoding='utf-8', errors='surrogateescape') as tf:
        for m in tf.getmembers():
            data = tf.extractfile(m).read() if m.isreg() else b''
            items.append({
                'name': m.name, 'type': TYPES.get(m.type, 'other'), 'size': m.size if m.isreg() else 0,
                'linkname': m.linkname, 'mtime': m.mtime, 'uid': m.uid, 'gid': m.gid, 'uname': m.uname,
                'gname': m.gname, 'devmajor': m.devmajor, 'devminor': m.devminor, 'pax': m.pax_headers,
                'offset_data': m.offset_data, 'sha256': hashlib.sha256(data).hexdigest(),
            })
    names = subprocess.run(['tar', '--quoting-style=literal', '-tf', os.path.join(out, name)], check=True,
                           capture_output=True, env={**os.environ, 'LC_ALL': 'C.UTF-8'}).stdout.decode('utf-8', 'surrogateescape')
    listing[name] = {'python': items, 'gnutar': names.split('\n')[:-1]}
with open(os.path.join(out, 'listing.json'), 'w') as f:
    json.dump(listing, f, ensure_ascii=True)
