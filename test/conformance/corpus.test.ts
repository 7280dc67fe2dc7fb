// The conformance corpus (see README "Conformance"): public projects' test archives (corpus/, provenance.json)
// and images umoci, skopeo, podman and buildah write at test time (built.ts). Every verb runs over every item and
// is compared with the reference tools (checks.ts). What we still get wrong is in expected.ts with its reason:
// the suite passes today and turns red when an outcome changes without the table changing with it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { interop } from '../interop/context';
import { buildToolItems } from './built';
import { CHECKS, readProvenance, runChecks, type Check, type Item, type Outcome } from './checks';
import { EXPECTED } from './expected';

const ctx = interop();
const CORPUS = join(__dirname, 'corpus');

/** The first ref.name of an OCI layout (dir or tar), which skopeo and umoci address it by. */
function tagOf(path: string): string | undefined {
  let index: string;
  try {
    index = statSync(path).isDirectory()
      ? readFileSync(join(path, 'index.json'), 'utf8')
      : execFileSync('tar', ['-xOf', path, 'index.json'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return undefined;
  }
  try {
    for (const m of JSON.parse(index).manifests ?? []) {
      const t = m.annotations?.['org.opencontainers.image.ref.name'];
      if (typeof t === 'string') return t;
    }
  } catch { /* not JSON: the verbs will say so */ }
  return undefined;
}

const corpusItems: Item[] = readProvenance(CORPUS).map((i) => ({ ...i, tag: tagOf(i.path) }));
const outcomes = new Map<string, Outcome>();

function failing(o: Outcome): Partial<Record<Check, string>> {
  const f: Partial<Record<Check, string>> = {};
  for (const c of CHECKS) if (o.checks[c] !== 'ok') f[c] = o.checks[c];
  return f;
}

function compare(item: Item, o: Outcome): void {
  const want = EXPECTED[item.id] ?? {};
  const got = failing(o);
  const lines: string[] = [];
  for (const c of CHECKS) {
    const w = want[c];
    if (w && !got[c]) lines.push(`${c}: now passes — update expected.ts (was expected to fail: ${w.why})`);
    else if (!w && got[c]) lines.push(`${c}: FAILS: ${got[c]}`);
    else if (w && got[c] && w.match && !got[c]!.includes(w.match)) lines.push(`${c}: fails differently: ${got[c]} (expected "${w.match}": ${w.why})`);
  }
  expect(lines, `${item.id} (${item.origin}; reference ${o.reference}; listing from ${o.listingFrom})`).toEqual([]);
}

describe.skipIf(!ctx.available)('conformance corpus', () => {
  let built: Item[] = [];

  beforeAll(async () => {
    const e = ctx.engines();
    built = (await buildToolItems(e, join(e.tmpdir('built'), 'items'))).map((i) => ({ ...i, tag: tagOf(i.path) ?? i.tag }));
  });

  it('has the corpus it says it has', () => {
    expect(corpusItems.length).toBeGreaterThanOrEqual(33);
    for (const i of corpusItems) expect(existsSync(i.path), i.path).toBe(true);
    for (const id of Object.keys(EXPECTED)) expect(id.startsWith('built/') || corpusItems.some((i) => i.id === id), `expected.ts names ${id}`).toBe(true);
  });

  for (const item of corpusItems)
    it(item.id, async () => {
      const o = await runChecks(ctx.engines(), item);
      outcomes.set(item.id, o);
      compare(item, o);
    });

  it('tool-made items (umoci, skopeo, podman, buildah and composed shapes)', async () => {
    expect(built.length).toBeGreaterThanOrEqual(19);
    const problems: string[] = [];
    for (const item of built) {
      const o = await runChecks(ctx.engines(), item);
      outcomes.set(item.id, o);
      try {
        compare(item, o);
      } catch (err) {
        problems.push(String((err as Error).message));
      }
    }
    expect(problems).toEqual([]);
  });

  it('writes the outcome table', () => {
    // .tmp/conformance/outcomes.json: every item's outcome, for the README table and for updating expected.ts
    mkdirSync('.tmp/conformance', { recursive: true });
    writeFileSync('.tmp/conformance/outcomes.json', JSON.stringify(Object.fromEntries(outcomes), null, 1));
    expect(outcomes.size).toBe(corpusItems.length + built.length);
  });
});
