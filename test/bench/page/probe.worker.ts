// Memory probe (bench only): reads the first layer of an image through one stage of the engine's read path at a
// time, so /proc sampling of the renderer can tell which stage holds memory. Driven by bench.probe() in main.ts.

import { openImage } from '../../../src/engine/oci/archive';
import { memoryScratch } from '../../../src/engine/env';
import { decompressBlob } from '../../../src/engine/compress';
import { Sha256 } from '../../../src/engine/digest';
import { unpackLayer } from '../../../src/engine/layers/unpack';
import { measurePrimitives } from './floor';

/** The blob as a stream of 4 MiB Blob.slice() reads (large, short-lived ArrayBuffers instead of 64 KiB chunks). */
function sliceStream(blob: Blob, piece = 4 << 20): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        if (pos >= blob.size) return ctrl.close();
        const b = new Uint8Array(await blob.slice(pos, pos + piece).arrayBuffer());
        pos += b.length;
        ctrl.enqueue(b);
      },
    },
    { highWaterMark: 0 },
  );
}

async function drain(s: ReadableStream<Uint8Array>, each?: (c: Uint8Array) => void): Promise<number> {
  const r = s.getReader();
  let n = 0;
  for (;;) {
    const x = await r.read();
    if (x.done) return n;
    each?.(x.value);
    n += x.value.length;
  }
}

onmessage = async (e: MessageEvent<[File, string]>) => {
  const [file, mode] = e.data;
  const t0 = performance.now();
  try {
    if (mode === 'sha256') {
      // SHA-256 speed in this browser (no I/O): 256 MiB in memory, hashed 4 times in 1 MiB updates; MiB/s of each.
      const data = new Uint8Array(256 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
      const rates: number[] = [];
      for (let r = 0; r < 4; r++) {
        const t = performance.now();
        const h = new Sha256();
        for (let p = 0; p < data.length; p += 1 << 20) h.update(data.subarray(p, p + (1 << 20)));
        h.hex();
        rates.push(Math.round(256 / ((performance.now() - t) / 1000)));
      }
      postMessage({ mode, rates });
      return;
    }
    const archive = await openImage(file, { scratch: memoryScratch() });
    const blob = archive.images[0].layers[0].blob!;
    if (mode === 'floor') {
      postMessage({ mode, primitives: await measurePrimitives(blob) });
      return;
    }
    let n = 0;
    if (mode === 'blob.stream') n = await drain(blob.stream());
    else if (mode === 'native-gunzip') n = await drain(blob.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>));
    else if (mode === 'blob.stream+sha') {
      const h = new Sha256();
      n = await drain(blob.stream(), (c) => h.update(c));
    } else if (mode === 'native-gunzip+sha') {
      const h = new Sha256();
      n = await drain(blob.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>), (c) => h.update(c));
    } else if (mode === 'native-gunzip+sha+yield') {
      // hashing, but a macrotask break every 32 MiB: does V8 get to collect the chunk garbage then?
      const h = new Sha256();
      const r = blob.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
      let since = 0;
      for (;;) {
        const x = await r.read();
        if (x.done) break;
        h.update(x.value);
        n += x.value.length;
        since += x.value.length;
        if (since > 32 << 20) {
          since = 0;
          await new Promise((res) => setTimeout(res, 0));
        }
      }
    } else if (mode === 'slices+sha') {
      // the stored bytes read as 4 MiB Blob slices instead of blob.stream() chunks
      const h = new Sha256();
      for (let pos = 0; pos < blob.size; pos += 4 << 20) {
        const b = new Uint8Array(await blob.slice(pos, pos + (4 << 20)).arrayBuffer());
        h.update(b);
        n += b.length;
      }
    } else if (mode === 'slices-gunzip+sha') {
      // the verify path shape: stored bytes from 4 MiB slices (hashed), through DecompressionStream, hashed again
      const stored = new Sha256();
      const h = new Sha256();
      let pos = 0;
      const src = new ReadableStream<Uint8Array>(
        {
          async pull(ctrl) {
            if (pos >= blob.size) return ctrl.close();
            const b = new Uint8Array(await blob.slice(pos, pos + (4 << 20)).arrayBuffer());
            pos += b.length;
            stored.update(b);
            ctrl.enqueue(b);
          },
        },
        { highWaterMark: 0 },
      );
      n = await drain(src.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>), (c) => h.update(c));
    } else if (mode === 'stream-gunzip+sha2') {
      // the same with blob.stream() as the source (what unpackLayer does today)
      const stored = new Sha256();
      const h = new Sha256();
      const tap = new TransformStream<Uint8Array, Uint8Array>({ transform(c, ctrl) { stored.update(c); ctrl.enqueue(c); } });
      n = await drain(blob.stream().pipeThrough(tap).pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>), (c) => h.update(c));
    } else if (mode === 'native-gunzip+slow') {
      // a consumer as slow as hashing, without touching the bytes: does the inflater run ahead of its reader?
      n = await drain(blob.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>), (c) => {
        const until = performance.now() + c.length / 200_000; // ~200 MB/s
        while (performance.now() < until);
      });
    } else if (mode === 'decompressBlob') n = await drain(decompressBlob(blob, 'gzip'));
    else if (mode === 'decompressBlob+sha') {
      const h = new Sha256();
      n = await drain(decompressBlob(blob, 'gzip'), (c) => h.update(c));
    } else if (mode === 'decompressBlob(slices)+sha') {
      // decompressBlob fed from 4 MiB slices (its `open` option), both sides hashed: the verify path with slices
      const stored = new Sha256();
      const h = new Sha256();
      const open = () => sliceStream(blob).pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(c, ctrl) { stored.update(c); ctrl.enqueue(c); } }));
      n = await drain(decompressBlob(blob, 'gzip', { open }), (c) => h.update(c));
    } else if (mode === 'decompressBlob(stream)+sha') {
      const stored = new Sha256();
      const h = new Sha256();
      const open = () => blob.stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(c, ctrl) { stored.update(c); ctrl.enqueue(c); } }));
      n = await drain(decompressBlob(blob, 'gzip', { open }), (c) => h.update(c));
    } else if (mode === 'unpackLayer') n = (await unpackLayer(blob)).tarSize;
    postMessage({ ok: true, n, ms: performance.now() - t0 });
  } catch (err) {
    postMessage({ ok: false, error: String((err as Error).message ?? err), ms: performance.now() - t0 });
  }
};
