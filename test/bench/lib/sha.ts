// SHA-256 and size of a file with node:crypto (an independent reference for the bench's checks).
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

export async function sha256Blob(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 4 << 20 })) h.update(c as Buffer);
  return { digest: 'sha256:' + h.digest('hex'), size: statSync(path).size };
}
