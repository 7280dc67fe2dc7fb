// The ONE index walker: index.json → nested indexes → manifests, as a graph of documents memoized by digest.
// Open (oci/layout.ts), write (oci/write.ts) and rechain (mutate/rechain.ts) all read this graph.
//
// Work is bounded by what is stored, not by what is claimed: each distinct digest is loaded and expanded once
// (a DAG whose every level lists the next one K times costs K·depth, not K^depth), an edge back to a document
// on the current path (an index listing itself) is recorded as a cycle and not followed, nesting deeper than
// `maxDepth` is recorded and not followed, and more than `maxDocuments` distinct documents is a typed error.

import { LwError, asLwError, throwIfAborted } from '../errors';
import { asIndex, asManifest, readJson, sniffKind } from './json';
import type { Descriptor, ImageIndex, ImageManifest } from './types';
import { AnnotationDockerReferenceType, isIndexMediaType, isManifestMediaType } from './types';

/** Real layouts nest one or two indexes; containerd's multi-platform exports three. */
export const MAX_INDEX_DEPTH = 8;
/** Distinct indexes + manifests one walk will load (each at most 16 MiB of JSON). */
export const MAX_INDEX_DOCUMENTS = 20_000;

export type NodeKind = 'index' | 'manifest' | 'other';

export interface WalkNode {
  digest: string;
  /** The descriptor that first reached this document. */
  descriptor: Descriptor;
  /** `other`: a blob that is neither an index nor a manifest by its media type (not loaded). */
  kind: NodeKind;
  index?: ImageIndex;
  manifest?: ImageManifest;
  /** The stored JSON bytes of an index or manifest. */
  bytes?: Uint8Array;
  blob?: Blob;
  /** Set when the document could not be loaded: missing-blob, corrupt JSON, not an index/manifest. */
  error?: LwError;
  /** Index descriptors from the root down to (excluding) this one, on the path that first reached it. */
  parents: Descriptor[];
}

/** A descriptor the walk did not follow, and why. */
export interface WalkIssue {
  descriptor: Descriptor;
  parents: Descriptor[];
  code: 'cycle' | 'too-deep';
  reason: string;
}

export interface IndexGraph {
  root: ImageIndex;
  /** Every document reached, in depth-first preorder (stored order), keyed by digest. */
  nodes: Map<string, WalkNode>;
  /** Digests in depth-first postorder: every document after the documents it lists (back edges excepted). */
  postorder: string[];
  issues: WalkIssue[];
  /** `parent digest → child digest` edges not followed (cycles, too deep): rewrites must leave them as they are. */
  cut: Set<string>;
}

export interface WalkOptions {
  signal?: AbortSignal;
  maxDepth?: number;
  maxDocuments?: number;
}

/** The blob a digest names, or undefined when the archive lacks it. */
export type BlobSource = (digest: string) => Blob | undefined;

/** Media type alone decides, except an empty one (old writers): then the document is sniffed. */
function declaredKind(d: Descriptor): NodeKind | undefined {
  if (isIndexMediaType(d.mediaType)) return 'index';
  if (isManifestMediaType(d.mediaType)) return 'manifest';
  return d.mediaType ? 'other' : undefined;
}

async function load(d: Descriptor, source: BlobSource, parents: Descriptor[]): Promise<WalkNode> {
  const node: WalkNode = { digest: d.digest, descriptor: d, kind: declaredKind(d) ?? 'manifest', parents };
  if (declaredKind(d) === 'other') {
    node.blob = source(d.digest);
    return node;
  }
  const blob = source(d.digest);
  node.blob = blob;
  try {
    if (!blob) {
      const what = node.kind === 'index' && d.mediaType ? 'index' : 'manifest';
      throw new LwError('missing-blob', `The ${what} ${d.digest} is not in the archive.`, { blob: d.digest });
    }
    const { value, bytes } = await readJson(blob, d.digest);
    node.bytes = bytes;
    const kind = declaredKind(d) ?? sniffKind(value);
    if (kind === 'index') {
      node.kind = 'index';
      node.index = asIndex(value, d.digest);
    } else if (kind === 'manifest') {
      node.manifest = asManifest(value, d.digest);
    } else throw new LwError('corrupt', `${d.digest} is neither an image index nor an image manifest.`, { blob: d.digest });
  } catch (e) {
    const err = asLwError(e);
    if (err.code === 'cancelled') throw err;
    node.error = err;
  }
  return node;
}

/**
 * Walks `root` depth first in stored order. Documents that cannot be loaded become nodes with an `error` (the
 * caller decides whether that is fatal); only cancellation and the document cap throw.
 */
export async function walkIndex(root: ImageIndex, source: BlobSource, opts: WalkOptions = {}): Promise<IndexGraph> {
  const maxDepth = opts.maxDepth ?? MAX_INDEX_DEPTH;
  const maxDocuments = opts.maxDocuments ?? MAX_INDEX_DOCUMENTS;
  const graph: IndexGraph = { root, nodes: new Map(), postorder: [], issues: [], cut: new Set() };
  const onPath = new Set<string>();
  const expanded = new Set<string>();
  const issueKeys = new Set<string>();
  const issue = (from: string, d: Descriptor, parents: Descriptor[], code: WalkIssue['code'], reason: string) => {
    graph.cut.add(`${from} ${d.digest}`);
    if (issueKeys.has(`${code} ${d.digest}`)) return;
    issueKeys.add(`${code} ${d.digest}`);
    graph.issues.push({ descriptor: d, parents, code, reason });
  };

  // An explicit stack instead of recursion: a 10,000-deep chain must not exhaust the JS stack either.
  type Frame = { digest: string; list: Descriptor[]; i: number; parents: Descriptor[] };
  const stack: Frame[] = [{ digest: '', list: root.manifests, i: 0, parents: [] }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.list.length) {
      stack.pop();
      if (top.digest) {
        onPath.delete(top.digest);
        graph.postorder.push(top.digest);
      }
      continue;
    }
    throwIfAborted(opts.signal);
    const d = top.list[top.i++];
    if (onPath.has(d.digest)) {
      issue(top.digest, d, top.parents, 'cycle', 'it lists itself (directly or through another index)');
      continue;
    }
    if (expanded.has(d.digest)) continue;
    if (d.annotations?.[AnnotationDockerReferenceType] === 'attestation-manifest' && !graph.nodes.has(d.digest)) {
      // Not loaded: a build attestation is an in-toto document set, never an image (callers list it as skipped).
      graph.nodes.set(d.digest, { digest: d.digest, descriptor: d, kind: 'other', parents: top.parents, blob: source(d.digest) });
      expanded.add(d.digest);
      graph.postorder.push(d.digest);
      continue;
    }
    let node = graph.nodes.get(d.digest);
    if (!node) {
      if (graph.nodes.size >= maxDocuments)
        throw new LwError('too-large', `The archive's indexes list more than ${maxDocuments} distinct documents: refusing to walk them all.`, { blob: d.digest });
      node = await load(d, source, top.parents);
      graph.nodes.set(d.digest, node);
    }
    if (node.kind !== 'index' || !node.index) {
      expanded.add(d.digest);
      graph.postorder.push(d.digest);
      continue;
    }
    if (top.parents.length + 1 >= maxDepth) {
      issue(top.digest, d, top.parents, 'too-deep', `indexes nest deeper than ${maxDepth} levels here`);
      continue;
    }
    expanded.add(d.digest);
    onPath.add(d.digest);
    const parents = [...top.parents, d];
    node.parents = top.parents;
    stack.push({ digest: d.digest, list: node.index.manifests, i: 0, parents });
  }
  return graph;
}

/** Image manifests of the graph in stored (preorder) order. */
export function manifestNodes(graph: IndexGraph): WalkNode[] {
  return [...graph.nodes.values()].filter((n) => n.kind === 'manifest' && n.manifest);
}

/**
 * The annotation values `keys` name on every path from the root to each document (e.g. ref.name tags), first
 * seen first. Computed once per edge in topological order, so a DAG costs its edges, not its paths.
 */
export function pathAnnotations(graph: IndexGraph, keys: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (digest: string, values: Iterable<string>) => {
    let list = out.get(digest);
    if (!list) out.set(digest, (list = []));
    for (const v of values) if (!list.includes(v)) list.push(v);
  };
  const edge = (from: string[], d: Descriptor) => {
    const here = [...from];
    for (const k of keys) {
      const v = d.annotations?.[k];
      if (v && !here.includes(v)) here.push(v);
    }
    add(d.digest, here);
  };
  for (const d of graph.root.manifests) edge([], d);
  // Reverse postorder is a topological order of the followed edges: each index's values are final when read.
  for (let i = graph.postorder.length - 1; i >= 0; i--) {
    const n = graph.nodes.get(graph.postorder[i])!;
    if (n.kind !== 'index' || !n.index) continue;
    const mine = out.get(n.digest) ?? [];
    for (const d of n.index.manifests) if (!graph.cut.has(`${n.digest} ${d.digest}`)) edge(mine, d);
  }
  return out;
}

/**
 * Every digest the graph reaches: indexes, manifests, configs, layers, and blobs of other media types (artifact
 * blobs, subjects are not followed: a referrer points at its subject, the subject does not need the referrer).
 */
export function reachableDigests(graph: IndexGraph): Set<string> {
  const out = new Set<string>();
  for (const n of graph.nodes.values()) {
    out.add(n.digest);
    if (n.manifest) {
      out.add(n.manifest.config.digest);
      for (const l of n.manifest.layers) out.add(l.digest);
    }
  }
  return out;
}
