// Tags in every verb: a docker-archive's manifest.json lists only tags the reference grammar (oci/reference.ts)
// accepts, and every tag it leaves out is named in a warning — never dropped silently.
import { describe, expect, it } from 'vitest';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { AnnotationRefName, type Descriptor } from '../../../src/engine/oci/types';
import { toLayout, writeDockerArchive } from '../../../src/engine/oci/write';
import { SIMPLE_LAYERS, filesToTar, makeOciLayout } from '../../fixtures/images';

const env = { scratch: memoryScratch() };

/** Two images; each top-level descriptor is repeated once per ref.name given. */
async function layoutWithRefs(refs: string[][]) {
  const built = await makeOciLayout([{ layers: SIMPLE_LAYERS }, { layers: [SIMPLE_LAYERS[0]] }]);
  const out = toLayout(await openImage(filesToTar(built.files), env));
  const [a, b] = out.index.manifests.map(({ annotations: _x, ...d }) => d as Descriptor);
  const per = [a, b];
  out.index = { ...out.index, manifests: refs.flatMap((names, i) => names.map((n) => ({ ...per[i], annotations: { [AnnotationRefName]: n } }))) };
  return out;
}

describe('docker-archive tags', () => {
  it('leaves out invalid, digest and duplicate tags with a warning naming each', async () => {
    const digestRef = 'example/app@sha256:' + 'a'.repeat(64);
    const out = await layoutWithRefs([
      ['example/app:1', '../../x', 'UPPER:Tag', digestRef, 'evil\x1b]0;pwned\x07:1'],
      ['example/app:1', 'example/other:2'],
    ]);
    const warnings: string[] = [];
    const back = await openImage(await writeDockerArchive(out, { onWarning: (m) => warnings.push(m) }), env);
    expect(back.dockerManifest!.map((e) => e.RepoTags)).toEqual([['example/app:1'], ['example/other:2']]);
    for (const t of ['../../x', 'UPPER:Tag', digestRef, 'evil\x1b]0;pwned\x07:1'])
      expect(warnings.filter((w) => w.includes(JSON.stringify(t))), t).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('"example/app:1"') && /another image/.test(w))).toHaveLength(1);
    expect(warnings).toHaveLength(5);
  });

  it('a bare tag on an image left untagged is said; beside a full tag it is not', async () => {
    const warnings: string[] = [];
    const out = await layoutWithRefs([['latest'], ['v2', 'example/b:v2']]);
    const back = await openImage(await writeDockerArchive(out, { onWarning: (m) => warnings.push(m) }), env);
    expect(back.dockerManifest!.map((e) => e.RepoTags)).toEqual([null, ['example/b:v2']]);
    expect(warnings).toEqual([expect.stringMatching(/^The tag "latest" names no repository.*loads untagged/)]);
    warnings.length = 0;
    const named = await openImage(await writeDockerArchive(out, { repository: 'me/app', onWarning: (m) => warnings.push(m) }), env);
    expect(named.dockerManifest!.map((e) => e.RepoTags)).toEqual([['me/app:latest'], ['me/app:v2', 'example/b:v2']]);
    expect(warnings).toEqual([]);
  });
});
