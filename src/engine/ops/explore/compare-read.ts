// Compare's reading half: a merged filesystem as compare entries, each file tagged with where its bytes are stored
// (the layer blob's digest and the entry's position in it), so compare can tell "same content" without reading it.
// And search across layers: which layers of an image hold paths matching a filter (from the cached listings).

import type { OpOptions } from '../../env';
import type { ImageArchive } from '../../oci/archive';
import { mergedView, type LayerListing } from '../files';
import type { CompareEntry } from './compare';
import { pathMatcher } from './glob';
import type { ListingCache } from './listings';

/** The merged filesystem after layer `upto` of image `image` (all layers when absent; -1 = empty). */
export async function compareSide(
  archive: ImageArchive,
  image: number,
  upto: number | undefined,
  opts: OpOptions = {},
  listing?: LayerListing,
): Promise<CompareEntry[]> {
  const layers = archive.images[image]?.layers ?? [];
  if (upto === -1) return [];
  const merged = await mergedView(archive, image, upto, opts, listing);
  return merged.map((m) => {
    const c: CompareEntry = { path: m.path, type: m.type, size: m.size, mode: m.mode, uid: m.uid, gid: m.gid, mtime: m.mtime, linkpath: m.linkpath };
    if (m.implied) c.implied = true;
    if (m.ordinal !== undefined && layers[m.layer]) c.source = `${layers[m.layer].descriptor.digest}#${m.ordinal}`;
    return c;
  });
}

export interface LayerMatches {
  layer: number;
  /** Entries whose path (or, for a whiteout, deleted path) matches. */
  matches: number;
  /** Of those, whiteouts (deletions). */
  deletions: number;
  /** The first few matching paths. */
  examples: string[];
}

/** Which layers of image `image` hold a path matching `pattern` (Filter files rules), bottom layer first. */
export async function findInLayers(listings: ListingCache, image: number, layerCount: number, pattern: string, opts: OpOptions = {}): Promise<LayerMatches[]> {
  const match = pathMatcher(pattern);
  if (!match) return [];
  const out: LayerMatches[] = [];
  for (let layer = 0; layer < layerCount; layer++) {
    let entries;
    try {
      entries = await listings.get(image, layer, opts);
    } catch (e) {
      if ((e as { code?: string }).code === 'missing-blob') continue; // a layer the archive lacks holds nothing to find
      throw e;
    }
    const hit: LayerMatches = { layer, matches: 0, deletions: 0, examples: [] };
    for (const e of entries) {
      const p = e.whiteout === 'file' && e.target !== undefined ? e.target : e.path;
      if (!match(p)) continue;
      hit.matches++;
      if (e.whiteout) hit.deletions++;
      if (hit.examples.length < 5) hit.examples.push(p);
    }
    if (hit.matches) out.push(hit);
  }
  return out;
}
