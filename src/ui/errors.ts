// Plain-words explanations of the engine's error codes: what is wrong, and where (blob, entry or layer).

import type { ErrorCode, ErrorWhere, LwError } from '../engine/errors';
import { shortDigest } from './format';

export interface Explained {
  /** One sentence a user without OCI knowledge can act on. */
  title: string;
  /** Where the problem is, e.g. "blob sha256:ab12…, layer 2, entry bin/.wh.foo". */
  location?: string;
  /** The engine's own message, for the curious and for bug reports. */
  detail: string;
  code: ErrorCode;
}

const SENTENCES: Record<ErrorCode, string> = {
  'not-an-image':
    'This is not a container image layerwright can read. Open an OCI layout (a .tar, a .tar.gz or a folder) or an archive made by docker save.',
  truncated: 'The file ends too early: it was probably cut off while downloading or copying.',
  corrupt: 'Part of the image is damaged and cannot be read.',
  'digest-mismatch':
    'A blob is damaged or was changed: its content does not match the digest that names it.',
  'size-mismatch': 'A blob has a different size than the manifest says.',
  'diffid-mismatch':
    'A layer does not match its config: the unpacked layer does not hash to the diff_id in the image config.',
  'missing-blob': 'The image refers to a blob that is not in the archive.',
  'unsupported-media-type': 'The image uses a format layerwright does not support.',
  'unsafe-path': 'The image contains a path that escapes the image root (an absolute path or "../").',
  'ambiguous-json': 'A document of the image spells one field twice with different values, so different tools see different images.',
  'symlink-loop': 'The image contains symbolic links that point at each other in a loop.',
  'tag-not-found': 'The tag you asked for is not in this image.',
  'invalid-argument': 'A value you entered is not valid.',
  cancelled: 'Cancelled. Nothing was changed.',
  'suspicious-expansion':
    'A layer unpacks to far more data than it stores (a decompression bomb?), so layerwright stopped reading it. Nothing was changed.',
  'too-large':
    'This image is larger than the safety limits allow (too many files, names too long, or a layer that unpacks to far more than it stores). It may be built to exhaust memory; nothing was changed.',
  'write-failed':
    'The result could not be written completely; the browser storage is probably full. Free some space or use a normal (not private) window.',
  'encoder-failed':
    'layerwright checked a layer it had just compressed and it did not unpack to the right content, so no file was made. This is a bug in layerwright, not in your image: please report it.',
  'worker-failed':
    'A background worker of layerwright stopped while checking the image, so it could not finish. Nothing was changed; try again, or reload the page.',
};

export function whereText(where: ErrorWhere | undefined): string | undefined {
  if (!where) return undefined;
  const parts: string[] = [];
  if (where.blob) parts.push(`blob ${where.blob}`);
  if (where.layer !== undefined) parts.push(`layer ${where.layer}`); // 0-based, as the engine and CLI count
  if (where.entry) parts.push(`entry ${where.entry}`);
  if (where.field) parts.push(`field ${where.field}`);
  return parts.length ? parts.join(', ') : undefined;
}

export function explain(e: LwError): Explained {
  let title = SENTENCES[e.code] ?? 'Something went wrong.';
  // Name the blob in the sentence itself where the code is about one blob: that is what users look for.
  if (e.where?.blob && (e.code === 'digest-mismatch' || e.code === 'size-mismatch' || e.code === 'missing-blob'))
    title = title.replace(/^A blob/, `Blob ${shortDigest(e.where.blob)}`).replace(/a blob that/, `blob ${shortDigest(e.where.blob)}, which`);
  return { title, location: whereText(e.where), detail: e.message, code: e.code };
}
