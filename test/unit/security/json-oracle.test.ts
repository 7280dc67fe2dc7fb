// Issue 14, "one JSON reading rule, Go's": a generated corpus of hostile image documents, each read by Go's
// encoding/json (test/oracle) and by layerwright's parseJson + decodeDoc. Both must accept or refuse the same
// documents and, when they accept, read the same values (what Docker/containerd act on).

import { describe, expect, it } from 'vitest';
import { LwError } from '../../../src/engine/errors';
import { decodeDoc, parseJson } from '../../../src/engine/oci/json';
import type { DocKind } from '../../../src/engine/oci/goschema';
import { goJson, haveGo } from './oracle';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const enc = (s: string) => new TextEncoder().encode(s);
const desc = (c: string, size: string | number = 10, mt = 'application/vnd.oci.image.layer.v1.tar') =>
  `{"mediaType":"${mt}","digest":"${D(c)}","size":${size}}`;

/** xorshift32: the corpus is the same on every run. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Case {
  name: string;
  kind: DocKind;
  text: string | Uint8Array;
}

function corpus(): Case[] {
  const cfg = desc('c', 100, 'application/vnd.oci.image.config.v1+json');
  const m = (body: string): Case['text'] => `{"schemaVersion":2,${body}}`;
  const cases: Case[] = [
    { name: 'plain manifest', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a')}]`) },
    { name: 'config/layers then Config/Layers', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a')}],"Config":${desc('d', 5)},"Layers":[${desc('b')}]`) },
    { name: 'Layers then layers', kind: 'manifest', text: m(`"Layers":[${desc('b')}],"config":${cfg},"layers":[${desc('a')}]`) },
    { name: 'LAYERS only', kind: 'manifest', text: m(`"CONFIG":${cfg},"LAYERS":[${desc('a')}]`) },
    { name: 'size 200e0', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a', '200e0')}]`) },
    { name: 'size 1.0', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a', '1.0')}]`) },
    { name: 'size 1E2', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a', '1E2')}]`) },
    { name: 'size -0', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a', '-0')}]`) },
    { name: 'size int64 max', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a', '9223372036854775807')}]`) },
    { name: 'size int64 max + 1', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a', '9223372036854775808')}]`) },
    { name: 'size int64 min - 1', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a', '-9223372036854775809')}]`) },
    { name: 'size as string', kind: 'manifest', text: m(`"config":${cfg},"layers":[{"digest":"${D('a')}","size":"10"}]`) },
    { name: 'schemaVersion 2.0', kind: 'manifest', text: `{"schemaVersion":2.0,"config":${cfg},"layers":[]}` },
    { name: 'BOM', kind: 'manifest', text: `\ufeff${m(`"config":${cfg},"layers":[]`)}` },
    { name: 'leading whitespace', kind: 'manifest', text: ` \n\t${m(`"config":${cfg},"layers":[]`)}` },
    { name: 'long s and Kelvin sign in keys', kind: 'manifest', text: m(`"config":{"mediaType":"x","digest":"${D('c')}","\u017fize":7},"layers":[{"digest":"${D('a')}","size":1,"\u212aind":1}]`) },
    { name: 'other non-ASCII key', kind: 'manifest', text: m(`"config":${cfg},"layers":[],"l\u0430yers":[${desc('a')}]`) },
    { name: 'config twice, merged', kind: 'manifest', text: m(`"config":${cfg},"Config":{"digest":"${D('e')}"},"layers":[]`) },
    { name: 'layers twice, elements merged', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a')},${desc('b')}],"layers":[{"digest":"${D('f')}"}]`) },
    { name: 'layers then null', kind: 'manifest', text: m(`"config":${cfg},"layers":[${desc('a')}],"Layers":null`) },
    { name: 'size then null', kind: 'manifest', text: m(`"config":{"digest":"${D('c')}","size":5,"Size":null},"layers":[]`) },
    { name: 'lone surrogate escape', kind: 'manifest', text: m(`"config":{"digest":"sha256:\\ud800","size":1},"layers":[]`) },
    { name: 'surrogate pair escape', kind: 'manifest', text: m(`"config":{"digest":"\\ud83d\\ude00","size":1},"layers":[]`) },
    { name: '__proto__ key', kind: 'manifest', text: m(`"__proto__":{"layers":[]},"config":${cfg},"layers":[]`) },
    { name: 'annotations twice merged', kind: 'manifest', text: m(`"config":${cfg},"layers":[],"annotations":{"a":"1"},"Annotations":{"b":"2","a":"3"}`) },
    { name: 'annotation value number', kind: 'manifest', text: m(`"config":${cfg},"layers":[],"annotations":{"a":1}`) },
    { name: 'trailing garbage', kind: 'manifest', text: `${m(`"config":${cfg},"layers":[]`)} x` },
    { name: 'index Manifests + manifests', kind: 'index', text: `{"schemaVersion":2,"manifests":[${desc('a')}],"Manifests":[${desc('b', 3)}]}` },
    { name: 'index platform twice', kind: 'index', text: `{"schemaVersion":2,"manifests":[{"digest":"${D('a')}","size":1,"platform":{"os":"linux","architecture":"amd64"},"Platform":{"architecture":"arm64"}}]}` },
    { name: 'jib manifest.json', kind: 'docker-manifest', text: `[{"config":"config.json","repoTags":["jib:latest"],"layers":["a.tar.gz","b.tar.gz"]}]` },
    { name: 'manifest.json Layers and layers', kind: 'docker-manifest', text: `[{"Config":"c.json","Layers":["a/layer.tar"],"layers":["b/layer.tar"],"RepoTags":null}]` },
    { name: 'manifest.json RepoTags string', kind: 'docker-manifest', text: `[{"Config":"c.json","Layers":[],"RepoTags":"x:1"}]` },
    { name: 'config Config and config', kind: 'config', text: `{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"],"Labels":{"a":"1"}},"Config":{"Entrypoint":"/evil","Labels":{"b":"2"}},"rootfs":{"type":"layers","diff_ids":[]}}` },
    { name: 'config Entrypoint string', kind: 'config', text: `{"architecture":"amd64","os":"linux","config":{"Entrypoint":"/bin/sh"},"rootfs":{"type":"layers","diff_ids":["${D('a')}"]}}` },
    { name: 'config OS and os', kind: 'config', text: `{"architecture":"amd64","os":"linux","OS":"windows","RootFS":{"type":"layers","Diff_IDs":["${D('b')}"]}}` },
    { name: 'config env number', kind: 'config', text: `{"architecture":"amd64","os":"linux","config":{"Env":[1]}}` },
    { name: 'config history empty_layer string', kind: 'config', text: `{"architecture":"amd64","os":"linux","history":[{"empty_layer":"true"}]}` },
  ];
  // Random spellings and repetitions of the manifest's fields: each key case-flipped at random, some repeated
  // with another value.
  const r = rng(14);
  const flip = (k: string) => [...k].map((ch) => (r() < 0.5 ? ch.toUpperCase() : ch.toLowerCase())).join('');
  for (let n = 0; n < 40; n++) {
    const parts: string[] = [];
    const fields: [string, () => string][] = [
      ['schemaVersion', () => (r() < 0.8 ? '2' : '2e0')],
      ['mediaType', () => `"application/vnd.oci.image.manifest.v${Math.floor(r() * 3)}+json"`],
      ['config', () => desc('0123456789abcdef'[Math.floor(r() * 16)], Math.floor(r() * 1000))],
      ['layers', () => `[${desc('0123456789abcdef'[Math.floor(r() * 16)], Math.floor(r() * 1000))}]`],
    ];
    for (const [k, v] of fields) {
      const times = r() < 0.3 ? 2 : 1;
      for (let t = 0; t < times; t++) parts.push(`${JSON.stringify(r() < 0.5 ? k : flip(k))}:${v()}`);
    }
    for (let i = parts.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [parts[i], parts[j]] = [parts[j], parts[i]];
    }
    cases.push({ name: `random ${n}`, kind: 'manifest', text: `{${parts.join(',')}}` });
  }
  return cases;
}

/** What a reader acts on, from a document decoded by Go (marshalled back) or by us (canonical field names). */
function facts(kind: DocKind, v: unknown): unknown {
  const o = (v ?? {}) as Record<string, any>;
  const d = (x: any) => (x ? { mediaType: x.mediaType ?? '', digest: x.digest ?? '', size: x.size ?? 0, platform: x.platform ? { os: x.platform.os ?? '', architecture: x.platform.architecture ?? '' } : null } : null);
  const list = (x: any) => (Array.isArray(x) && x.length ? x : null);
  const map = (x: any) => (x && Object.keys(x).length ? Object.fromEntries(Object.entries(x).sort()) : null);
  switch (kind) {
    case 'manifest':
      return { schemaVersion: o.schemaVersion ?? 0, mediaType: o.mediaType ?? '', config: d(o.config ?? {}), layers: list(o.layers)?.map(d) ?? null, annotations: map(o.annotations) };
    case 'index':
      return { schemaVersion: o.schemaVersion ?? 0, manifests: list(o.manifests)?.map(d) ?? null };
    case 'config':
      return {
        os: o.os ?? '', architecture: o.architecture ?? '', diffIds: list(o.rootfs?.diff_ids),
        entrypoint: list(o.config?.Entrypoint), cmd: list(o.config?.Cmd), labels: map(o.config?.Labels),
      };
    case 'docker-manifest':
      return (v as any[]).map((e) => ({ Config: e.Config ?? '', RepoTags: list(e.RepoTags), Layers: list(e.Layers) }));
  }
}

function ours(c: Case): { ok: boolean; error?: string; value?: unknown; ambiguous: string[] } {
  const bytes = typeof c.text === 'string' ? enc(c.text) : c.text;
  try {
    const { value, ambiguities } = decodeDoc(parseJson(bytes, c.name), c.kind, c.name);
    return { ok: true, value, ambiguous: ambiguities.map((a) => a.field) };
  } catch (e) {
    expect(e).toBeInstanceOf(LwError);
    expect((e as LwError).code).toBe('corrupt');
    return { ok: false, error: (e as Error).message, ambiguous: [] };
  }
}

describe.skipIf(!haveGo())('JSON read as Go reads it (oracle: encoding/json)', () => {
  const cases = corpus();
  const go = goJson(cases.map((c) => ({ kind: c.kind, bytes: typeof c.text === 'string' ? enc(c.text) : c.text })));

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i];
    const us = ours(c);
    expect({ ok: us.ok }, `Go: ${go[i].error ?? 'ok'}; us: ${us.error ?? 'ok'}`).toEqual({ ok: go[i].ok });
    if (us.ok) expect(facts(c.kind, us.value)).toEqual(facts(c.kind, go[i].value));
  });

  it('reports every field written twice with different values, and none otherwise', () => {
    const byName = (n: string) => ours(cases.find((c) => c.name === n)!).ambiguous;
    expect(byName('plain manifest')).toEqual([]);
    expect(byName('config/layers then Config/Layers')).toEqual(['config', 'layers']);
    expect(byName('Layers then layers')).toEqual(['layers']);
    expect(byName('LAYERS only')).toEqual([]);
    expect(byName('config twice, merged')).toEqual(['config']);
    expect(byName('index Manifests + manifests')).toEqual(['manifests']);
    expect(byName('index platform twice')).toEqual(['manifests[0].platform']);
    expect(byName('manifest.json Layers and layers')).toEqual(['[0].Layers']);
    expect(byName('config OS and os')).toEqual(['os']);
  });
});
