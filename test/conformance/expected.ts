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
  artifactOnly:
    'a layout holding only OCI artifacts (Helm chart, SBOM, signatures): it opens, verifies and diagnoses clean, but has ' +
    'no container image to list, unpack or load: inspect lists 0 images, skopeo and umoci refuse it as not an image, ' +
    'and fix --format docker refuses to write a manifest.json with no image',
  legacyNoManifest:
    'Docker < 1.10 `docker save` form (repositories + <id>/json, no manifest.json): skopeo refuses it too; moby\'s ' +
    'legacy loader still reads it, layerwright does not',
  zstdUmoci: 'reference limit: umoci 0.4.7 cannot read zstd layers (the output itself passes verify and skopeo copy)',
  nestedSkopeo:
    'reference limit: skopeo 1.9 copy cannot choose a platform through two index levels (the input fails the same way)',
  oldGnuSparse:
    'really broken for real engines: old GNU sparse entries (tar type \'S\'): docker load says "unhandled tar header ' +
    'type 83", umoci "unknown typeflag"; diagnose reports unsupported-entry-type',
  sha512Skopeo:
    'reference limit: skopeo 1.9 hashes every blob with sha256 and refuses sha512 names ("saved with digest sha256:…"); ' +
    'our verify, diagnose, ls and docker load of the fix output accept them',
  stubLayers: 'really broken: containers/image test layouts whose layer blobs are 33-byte stubs, not tars',
  nullManifest: 'really broken: manifest.json is `null` (go-containerregistry error-path data); skopeo refuses it too',
  unknownMediaType: 'really broken: an index entry of an unknown media type whose blob is absent; skopeo refuses it too',
} as const;

const all = (why: string, match?: string): Partial<Record<Check, Expected>> =>
  Object.fromEntries((['inspect', 'verify', 'diagnose', 'ls', 'fix-oci', 'fix-docker'] as Check[]).map((c) => [c, { why, match }]));
const artifactOnly = (fixOci: string): Partial<Record<Check, Expected>> => ({
  inspect: { why: WHY.artifactOnly, match: 'no images' },
  ls: { why: WHY.artifactOnly, match: 'no image 0' },
  'fix-oci': { why: WHY.artifactOnly, match: fixOci },
  'fix-docker': { why: WHY.artifactOnly, match: 'left out of manifest.json' },
});
const stub = (fixOci: string): Partial<Record<Check, Expected>> => ({
  // verify parses every layer tar to its end (as diagnose does), so a stub layer is unreadable, not only mismatched
  verify: { why: WHY.stubLayers, match: 'layer-unreadable' },
  diagnose: { why: WHY.stubLayers, match: 'layer-unreadable' },
  ls: { why: WHY.stubLayers, match: 'truncated' },
  'fix-oci': { why: WHY.stubLayers, match: fixOci },
  'fix-docker': { why: WHY.stubLayers, match: fixOci },
});

const G = 'go-containerregistry/pkg/v1';
export const EXPECTED: Record<string, Partial<Record<Check, Expected>>> = {
  [`${G}/tarball/testdata/null_manifest.tar`]: all(WHY.nullManifest, 'corrupt'),
  [`${G}/tarball/testdata/no_manifest.tar`]: all(WHY.legacyNoManifest, 'not-an-image'),
  [`${G}/layout/testdata/test_index_media_type`]: artifactOnly('config blob is not correct mediatype'),
  [`${G}/layout/testdata/test_gc_image_unknown_mediatype`]: all(WHY.unknownMediaType, 'not-an-image'),
  'regclient/testdata/external': artifactOnly('more than one image'),
  'dive/.data/test-oci-zstd-image.tar': {
    'fix-oci': { why: WHY.zstdUmoci, match: 'tar+zstd' },
  },
  'containers-image/oci/layout/fixtures/delete_image_multiple_images': stub('exit 1'),
  'containers-image/oci/layout/fixtures/delete_image_only_one_image': { ...stub('exit 1'), verify: { why: WHY.stubLayers, match: 'size-mismatch' } },
  'containers-image/oci/layout/fixtures/delete_image_two_identical_references': stub('exit 1'),

  'built/skopeo-zstd': {
    'fix-oci': { why: WHY.zstdUmoci, match: 'tar+zstd' },
  },
  'built/skopeo-zstd-chunked': {
    'fix-oci': { why: WHY.zstdUmoci, match: 'tar+zstd' },
  },
  'built/umoci-sparse-gnu': {
    diagnose: { why: WHY.oldGnuSparse, match: 'unsupported-entry-type' },
    'fix-oci': { why: WHY.oldGnuSparse, match: 'exit 1' },
    'fix-docker': { why: WHY.oldGnuSparse, match: 'exit 1' },
  },
  'built/nested-index': { 'fix-oci': { why: WHY.nestedSkopeo, match: 'manifest list instead of a manifest' } },
  'built/sha512-layout': { 'fix-oci': { why: WHY.sha512Skopeo, match: 'saved with digest sha256' } },
  'built/artifact-only': artifactOnly('config blob is not correct mediatype'),
};
