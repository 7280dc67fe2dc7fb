// What the conformance corpus still shows, per item and check, with the reason: a class of issue 8 that
// layerwright still gets wrong, a reference tool's own limit, or an item that is really broken (then `match`
// names the problem code it must be reported with). A check listed here must fail (containing `match` when given);
// a check not listed must pass. When a fix changes an outcome, update this table with it (and README's list).
import type { Check } from './checks';

export interface Expected {
  why: string;
  /** A substring the failure must contain (e.g. the problem code a really broken image must be reported with). */
  match?: string;
}

// Reasons, named once so the README can list them.
export const WHY = {
  dockerTypesInOci:
    'issue 8, media-type conversion: OCI output from a docker-archive keeps Docker media types; skopeo\'s oci: transport ' +
    'ignores such manifests ("no descriptor found for reference") and umoci refuses them',
  configNotByDigest:
    'issue 8, docker config not named by its digest (go-containerregistry mutate data): the config file name says one ' +
    'digest, its content another; verify reports digest-mismatch where docker load and skopeo accept it',
  artifacts:
    'issue 8, OCI artifacts: layouts holding only artifacts are refused ("lists no container image"), artifacts beside ' +
    'images are judged as broken images, and fix --format docker writes them into manifest.json as images',
  singlePlatform:
    'issue 8, single-platform export of a multi-platform index: blobs of the other platforms are absent, and docker ' +
    'output then names a config that is not there',
  legacyNoManifest:
    'Docker < 1.10 `docker save` form (repositories + <id>/json, no manifest.json): skopeo refuses it too; moby\'s ' +
    'legacy loader still reads it, layerwright does not',
  zstdUmoci: 'reference limit: umoci 0.4.7 cannot read zstd layers (the output itself passes verify and skopeo copy)',
  zstdDocker:
    'fix --format docker keeps zstd layers as stored; Docker 20.10 cannot read zstd ("archive/tar: invalid tar header"), ' +
    'Docker 23 and later can',
  nestedSkopeo:
    'reference limit: skopeo 1.9 copy cannot choose a platform through two index levels (the input fails the same way)',
  oldGnuSparse:
    'really broken for real engines: old GNU sparse entries (tar type \'S\'): docker load says "unhandled tar header ' +
    'type 83", umoci "unknown typeflag"; diagnose reports unsupported-entry-type',
  jibLowercase:
    'issue 8, jib\'s manifest.json with lowercase keys (config, repoTags, layers): Docker and skopeo read it (Go\'s ' +
    'case-insensitive JSON), layerwright refuses it',
  sha512Skopeo:
    'reference limit: skopeo 1.9 hashes every blob with sha256 and refuses sha512 names ("saved with digest sha256:…"); ' +
    'our verify, diagnose, ls and docker load of the fix output accept them',
  stubLayers: 'really broken: containers/image test layouts whose layer blobs are 33-byte stubs, not tars',
  nullManifest: 'really broken: manifest.json is `null` (go-containerregistry error-path data); skopeo refuses it too',
  unknownMediaType: 'really broken: an index entry of an unknown media type whose blob is absent; skopeo refuses it too',
} as const;

const all = (why: string, match?: string): Partial<Record<Check, Expected>> =>
  Object.fromEntries((['inspect', 'verify', 'diagnose', 'ls', 'fix-oci', 'fix-docker'] as Check[]).map((c) => [c, { why, match }]));
const dockerTypes = { 'fix-oci': { why: WHY.dockerTypesInOci, match: 'no descriptor found' } };
const stub = (fixOci: string): Partial<Record<Check, Expected>> => ({
  verify: { why: WHY.stubLayers, match: 'diffid-mismatch' },
  diagnose: { why: WHY.stubLayers, match: 'layer-unreadable' },
  ls: { why: WHY.stubLayers, match: 'truncated' },
  'fix-oci': { why: WHY.stubLayers, match: fixOci },
  'fix-docker': { why: WHY.stubLayers, match: fixOci },
});

const G = 'go-containerregistry/pkg/v1';
export const EXPECTED: Record<string, Partial<Record<Check, Expected>>> = {
  [`${G}/tarball/testdata/null_manifest.tar`]: all(WHY.nullManifest, 'corrupt'),
  [`${G}/tarball/testdata/no_manifest.tar`]: all(WHY.legacyNoManifest, 'not-an-image'),
  [`${G}/tarball/testdata/test_bundle.tar`]: dockerTypes,
  [`${G}/tarball/testdata/test_image_1.tar`]: dockerTypes,
  [`${G}/tarball/testdata/test_image_2.tar`]: dockerTypes,
  [`${G}/tarball/testdata/test_link.tar`]: dockerTypes,
  [`${G}/tarball/testdata/test_load_manifest.tar`]: dockerTypes,
  [`${G}/mutate/testdata/source_image.tar`]: dockerTypes,
  [`${G}/mutate/testdata/whiteout_image.tar`]: dockerTypes,
  [`${G}/mutate/testdata/source_image_with_empty_layer_history.tar`]: {
    inspect: { why: WHY.configNotByDigest, match: "no image with skopeo's config" },
    verify: { why: WHY.configNotByDigest, match: 'digest-mismatch' },
    'fix-oci': { why: WHY.configNotByDigest },
  },
  [`${G}/layout/testdata/test_index`]: {
    'fix-oci': { why: WHY.dockerTypesInOci, match: 'application/vnd.docker.distribution.manifest.v2+json' },
    'fix-docker': { why: WHY.singlePlatform, match: 'missing-blob' },
  },
  [`${G}/layout/testdata/test_gc_index`]: {
    'fix-oci': { why: WHY.dockerTypesInOci, match: 'application/vnd.docker.distribution.manifest.v2+json' },
  },
  [`${G}/layout/testdata/test_index_media_type`]: all(WHY.artifacts, 'lists no container image'),
  [`${G}/layout/testdata/test_gc_image_unknown_mediatype`]: all(WHY.unknownMediaType, 'not-an-image'),
  'regclient/testdata/testrepo': {
    verify: { why: WHY.artifacts, match: 'unsupported-media-type' },
    diagnose: { why: WHY.artifacts, match: 'unknown-media-type' },
    'fix-oci': { why: WHY.artifacts, match: 'exit 1' },
    'fix-docker': { why: WHY.artifacts, match: 'exit 1' },
  },
  'regclient/testdata/external': all(WHY.artifacts, 'lists no container image'),
  'dive/.data/test-docker-image.tar': dockerTypes,
  'dive/.data/test-kaniko-image.tar': dockerTypes,
  'dive/.data/test-oci-zstd-image.tar': {
    'fix-oci': { why: WHY.zstdUmoci, match: 'tar+zstd' },
    'fix-docker': { why: WHY.zstdDocker, match: 'invalid tar header' },
  },
  'containers-image/docker/archive/fixtures/almostempty.tar': dockerTypes,
  'containers-image/oci/layout/fixtures/delete_image_multiple_images': stub('exit 1'),
  'containers-image/oci/layout/fixtures/delete_image_only_one_image': { ...stub('exit 1'), verify: { why: WHY.stubLayers, match: 'size-mismatch' } },
  'containers-image/oci/layout/fixtures/delete_image_two_identical_references': stub('exit 1'),
  'jib/jib-core/src/test/resources/core/extraction/docker-save.tar': dockerTypes,
  'jib/jib-core/src/integration-test/resources/core/busybox-docker.tar': dockerTypes,
  'jib/jib-core/src/test/resources/core/extraction/jib-image.tar': all(WHY.jibLowercase, 'has no "Config" path'),
  'jib/jib-core/src/integration-test/resources/core/busybox-jib.tar': all(WHY.jibLowercase, 'has no "Config" path'),

  'built/skopeo-docker-archive': dockerTypes,
  'built/podman-docker-archive': dockerTypes,
  'built/buildah-docker-archive': dockerTypes,
  'built/skopeo-zstd': {
    'fix-oci': { why: WHY.zstdUmoci, match: 'tar+zstd' },
    'fix-docker': { why: WHY.zstdDocker, match: 'invalid tar header' },
  },
  'built/skopeo-zstd-chunked': {
    'fix-oci': { why: WHY.zstdUmoci, match: 'tar+zstd' },
    'fix-docker': { why: WHY.zstdDocker, match: 'invalid tar header' },
  },
  'built/umoci-sparse-gnu': {
    diagnose: { why: WHY.oldGnuSparse, match: 'unsupported-entry-type' },
    'fix-oci': { why: WHY.oldGnuSparse, match: 'exit 1' },
    'fix-docker': { why: WHY.oldGnuSparse, match: 'exit 1' },
  },
  'built/nested-index': { 'fix-oci': { why: WHY.nestedSkopeo, match: 'manifest list instead of a manifest' } },
  'built/sha512-layout': { 'fix-oci': { why: WHY.sha512Skopeo, match: 'saved with digest sha256' } },
  'built/artifact-beside-image': { 'fix-docker': { why: WHY.artifacts, match: 'no RootFS key' } },
  'built/artifact-only': all(WHY.artifacts, 'lists no container image'),
};
