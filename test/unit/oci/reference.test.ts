import { describe, expect, it } from 'vitest';
import { parseTagList, referenceError } from '../../../src/engine/oci/reference';

describe('image references (distribution/reference grammar)', () => {
  it('accepts references and bare tags', () => {
    for (const ok of [
      'latest',
      '1.0',
      'V1_beta',
      'myapp:1.0',
      'team/my-app:1.0',
      'team/my__app',
      'localhost:5000/app:dev',
      'reg.internal:443/a/b/c:v1.2.3-rc.1',
      `app@sha256:${'a'.repeat(64)}`,
      `app:1@sha256:${'0'.repeat(64)}`,
      '[::1]:5000/app:x',
    ])
      expect(referenceError(ok), ok).toBeUndefined();
  });

  it('refuses what engines refuse, in words', () => {
    expect(referenceError('My App:1.0')).toMatch(/contains a space/);
    expect(referenceError('MyApp:1.0')).toMatch(/repository part “MyApp” must be lowercase/);
    expect(referenceError('app:-x')).toMatch(/the tag “-x”/);
    expect(referenceError(`app:${'x'.repeat(129)}`)).toMatch(/up to 128/);
    expect(referenceError('a//b')).toMatch(/repository part “”/);
    expect(referenceError('app@sha256:xyz')).toMatch(/not a digest/);
    expect(referenceError('-lead')).toMatch(/not a valid tag/);
    expect(referenceError('app..x:1')).toMatch(/repository part/);
    expect(referenceError(`${'a'.repeat(256)}:1`)).toMatch(/longer than 255/);
    expect(referenceError('')).toMatch(/empty/);
  });

  it('splits the Tag field at commas and new lines only', () => {
    expect(parseTagList('myapp:1.0, myapp:latest\nother')).toEqual({ tags: ['myapp:1.0', 'myapp:latest', 'other'], errors: [] });
    const r = parseTagList('my app:1.0');
    expect(r.tags).toEqual(['my app:1.0']);
    expect(r.errors).toHaveLength(1);
  });
});
