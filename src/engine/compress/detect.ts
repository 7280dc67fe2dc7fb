// Compression is detected by magic bytes, never by file name or media type: layers in the wild are
// often labelled one thing and stored as another.

export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'none';

/** How many leading bytes detectCompression needs at most. */
export const SNIFF_BYTES = 6;

export function detectCompression(head: Uint8Array): Compression {
  const b = head;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  // zstd skippable frame (magic 0x184D2A50..0x184D2A5F, little-endian), as written before a real frame
  if (b.length >= 4 && (b[0] & 0xf0) === 0x50 && b[1] === 0x2a && b[2] === 0x4d && b[3] === 0x18) return 'zstd';
  if (b.length >= 4 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3] >= 0x31 && b[3] <= 0x39)
    return 'bzip2'; // "BZh" + block size digit 1-9
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0)
    return 'xz';
  return 'none';
}

/** Reads only the first bytes of the blob. */
export async function sniffBlob(blob: Blob): Promise<Compression> {
  const head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer());
  return detectCompression(head);
}
