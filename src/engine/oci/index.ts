export * from './types';
export { openTree, safeJoin, looksLikeTar, type FileTree, type OpenTreeOptions } from './tree';
export {
  openImage,
  describeNonImage,
  type Image,
  type ImageArchive,
  type Layer,
  type LayerReadOptions,
  makeLayer,
  reachable,
  type OpenImageOptions,
  type SkippedManifest,
} from './archive';
export { readJson, parseJson, checkJsonDepth, jsonTooDeep, MAX_JSON_DEPTH, asDescriptor, asIndex, asManifest, asConfig, MAX_JSON_BYTES } from './json';
export { parseDockerManifest, configDigestFromPath } from './docker';
export {
  writeOciArchive,
  writeDockerArchive,
  toLayout,
  dockerRepoTag,
  type LayoutOut,
  type DockerArchiveOptions,
} from './write';
export { walkIndex, pathAnnotations, reachableDigests, MAX_INDEX_DEPTH, MAX_INDEX_DOCUMENTS, type IndexGraph, type WalkNode, type WalkIssue } from './walk';
export { toOciMediaTypes } from './convert';
export { isArtifact } from './layout';
