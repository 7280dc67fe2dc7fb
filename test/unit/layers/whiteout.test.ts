import { describe, expect, it } from 'vitest';
import { isBareWhiteout, isOpaque, isWhiteout, whiteoutFor, whiteoutTarget, isReservedWhiteout } from '../../../src/engine/layers/whiteout';
import { ancestorsOf, cleanPath, resolveLinkTarget } from '../../../src/engine/layers/paths';

describe('whiteout semantics', () => {
  it('recognizes whiteouts and their targets', () => {
    expect(isWhiteout('bin/.wh.bash')).toBe(true);
    expect(whiteoutTarget('bin/.wh.bash')).toBe('bin/bash');
    expect(whiteoutTarget('.wh.etc')).toBe('etc');
    expect(whiteoutTarget('usr/.wh..wh..opq')).toBeUndefined();
    expect(isOpaque('usr/.wh..wh..opq')).toBe(true);
    expect(isBareWhiteout('a/.wh.')).toBe(true);
    expect(whiteoutTarget('a/.wh.')).toBeUndefined();
    expect(isReservedWhiteout('.wh..wh.plnk')).toBe(true);
    expect(isWhiteout('bin/bash')).toBe(false);
    expect(isWhiteout('x.wh.y')).toBe(false);
    expect(whiteoutFor('var/log/x')).toBe('var/log/.wh.x');
  });
  it('keeps the opaque marker apart from the other reserved AUFS names, and whites out top-level paths', () => {
    // The opaque marker starts with the reserved prefix too, but it is a whiteout engines act on.
    expect(isReservedWhiteout('usr/.wh..wh..opq')).toBe(false);
    expect(isReservedWhiteout('usr/.wh..wh.aufs')).toBe(true);
    expect(isReservedWhiteout('usr/.wh.x')).toBe(false);
    // A top-level target has no parent to prefix: `.wh.etc`, not `/.wh.etc`.
    expect(whiteoutFor('etc')).toBe('.wh.etc');
    expect(whiteoutTarget(whiteoutFor('etc'))).toBe('etc');
  });
  it('cleans paths as engines do', () => {
    expect(cleanPath('./usr/bin/')).toEqual({ path: 'usr/bin' });
    expect(cleanPath('/etc/passwd')).toEqual({ path: 'etc/passwd', problem: 'absolute' });
    expect(cleanPath('a/../../etc')).toEqual({ path: 'etc', problem: 'escapes-root' });
    expect(cleanPath('a/./b//c/..')).toEqual({ path: 'a/b' });
    expect(cleanPath('./')).toEqual({ path: '' });
    expect(ancestorsOf('a/b/c')).toEqual(['a/b', 'a']);
    expect(resolveLinkTarget('bin', 'usr/bin')).toEqual({ path: 'usr/bin' });
    expect(resolveLinkTarget('var/run', '../run')).toEqual({ path: 'run' });
    expect(resolveLinkTarget('lib', '/usr/lib')).toEqual({ path: 'usr/lib' });
  });
});
