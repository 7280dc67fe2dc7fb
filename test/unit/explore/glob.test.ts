// Filter files: a leading '/' is ignored, plain text is a substring, globs match the base name (no '/') or the
// whole path ('/' in the pattern), '**' crosses folders; checked against a reference matcher on random paths.
import { describe, expect, it } from 'vitest';
import { cleanPattern, isGlob, pathMatcher } from '../../../src/engine/ops/explore/glob';
import { rng } from '../compress/property';

const PATHS = ['etc/os-release', 'etc/nginx/nginx.conf', 'etc/ld.so.conf', 'usr/lib/libc.so.6', 'usr/lib/x86_64/libz.so', 'lib/libm.so', 'bin/sh', 'etc/a.conf.d/x', 'Etc/B.CONF'];
const hits = (pattern: string) => PATHS.filter(pathMatcher(pattern)!);

describe('pathMatcher', () => {
  it('ignores a leading slash and surrounding space; empty text matches everything', () => {
    expect(cleanPattern('  /etc/os-release ')).toBe('etc/os-release');
    expect(cleanPattern('./etc/')).toBe('etc');
    expect(hits('/etc/os-release')).toEqual(['etc/os-release']);
    expect(pathMatcher('   ')).toBeUndefined();
    expect(pathMatcher('/')).toBeUndefined();
  });

  it('keeps plain text a case-insensitive substring match', () => {
    expect(isGlob('nginx')).toBe(false);
    expect(hits('NGINX')).toEqual(['etc/nginx/nginx.conf']);
    expect(hits('.so')).toEqual(['etc/ld.so.conf', 'usr/lib/libc.so.6', 'usr/lib/x86_64/libz.so', 'lib/libm.so']);
  });

  it('matches a glob without a slash against the base name at any depth', () => {
    expect(hits('*.conf')).toEqual(['etc/nginx/nginx.conf', 'etc/ld.so.conf', 'Etc/B.CONF']);
    expect(hits('lib?.so')).toEqual(['usr/lib/x86_64/libz.so', 'lib/libm.so']);
    expect(hits('lib[cz]*')).toEqual(['usr/lib/libc.so.6', 'usr/lib/x86_64/libz.so']);
    expect(hits('lib[!cz]*')).toEqual(['lib/libm.so']);
    expect(hits('[a-b]*')).toEqual(['Etc/B.CONF']); // base names: only 'B.CONF' starts with a or b (any case)
  });

  it('matches a glob with a slash against the whole path; * stays in a segment, ** crosses them', () => {
    expect(hits('etc/*.conf')).toEqual(['etc/ld.so.conf', 'Etc/B.CONF']);
    expect(hits('/etc/*.conf')).toEqual(['etc/ld.so.conf', 'Etc/B.CONF']);
    expect(hits('**/*.so*')).toEqual(['etc/ld.so.conf', 'usr/lib/libc.so.6', 'usr/lib/x86_64/libz.so', 'lib/libm.so']);
    expect(hits('usr/**/*.so')).toEqual(['usr/lib/x86_64/libz.so']);
    expect(hits('usr/**')).toEqual(['usr/lib/libc.so.6', 'usr/lib/x86_64/libz.so']);
    expect(hits('etc/[')).toEqual([]); // an unclosed bracket is a literal '['
  });

  it('agrees with a segment-by-segment reference on random paths and patterns (seeded)', () => {
    const r = rng(9);
    const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const seg = () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(['a', 'b', '.', 'c'])).join('');
    // Reference: '*' = any run within a segment, '?' = one character; both compared segment by segment.
    const segMatch = (pat: string, s: string): boolean => {
      if (!pat) return !s;
      if (pat[0] === '*') return [...Array(s.length + 1).keys()].some((k) => segMatch(pat.slice(1), s.slice(k)));
      return !!s && (pat[0] === '?' || pat[0] === s[0]) && segMatch(pat.slice(1), s.slice(1));
    };
    for (let i = 0; i < 400; i++) {
      const path = Array.from({ length: 1 + Math.floor(r() * 3) }, seg).join('/');
      const pat = Array.from({ length: 1 + Math.floor(r() * 2) }, () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(['a', 'b', '*', '?', '.'])).join('')).join('/');
      if (!isGlob(pat) || pat.includes('**') || cleanPattern(pat) !== pat) continue;
      const ps = path.split('/');
      const qs = pat.split('/');
      const want = pat.includes('/') ? ps.length === qs.length && qs.every((q, k) => segMatch(q, ps[k])) : segMatch(pat, ps.at(-1)!);
      expect(pathMatcher(pat)!(path), `${pat} vs ${path}`).toBe(want);
    }
  });
});
