// Which digest algorithms layerwright can check. The image-spec (descriptor.md) registers sha256 and sha512;
// sha256 is what every tool writes, sha512 is allowed and must neither be reported as a mismatch nor be
// "corrected" to sha256. WebCrypto hashes both one-shot; streams use the incremental Sha256 / Sha512.

import { Sha256 } from './sha256';
import { Sha512 } from './sha512';

export type DigestAlgorithm = 'sha256' | 'sha512';

/** Registered encodings: lowercase hex of the algorithm's full length. */
const ENCODED: Record<DigestAlgorithm, RegExp> = {
  sha256: /^sha256:[a-f0-9]{64}$/,
  sha512: /^sha512:[a-f0-9]{128}$/,
};

/** The algorithm of a digest layerwright can check, or undefined (unknown algorithm, malformed encoding). */
export function digestAlgorithm(digest: string): DigestAlgorithm | undefined {
  if (ENCODED.sha256.test(digest)) return 'sha256';
  if (ENCODED.sha512.test(digest)) return 'sha512';
  return undefined;
}

/** True when `digest` names an algorithm layerwright checks, in its registered encoding. */
export function isCheckableDigest(digest: string): boolean {
  return digestAlgorithm(digest) !== undefined;
}

export interface Hasher {
  update(data: Uint8Array): unknown;
  /** Lowercase hex; ends update(). */
  hex(): string;
}

export function newHasher(alg: DigestAlgorithm = 'sha256'): Hasher {
  return alg === 'sha512' ? new Sha512() : new Sha256();
}

export const WEBCRYPTO_NAME: Record<DigestAlgorithm, 'SHA-256' | 'SHA-512'> = { sha256: 'SHA-256', sha512: 'SHA-512' };
