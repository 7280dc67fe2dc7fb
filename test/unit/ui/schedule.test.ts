// The worker's scheduling: a background op's reads wait while a user request runs, and resume after it.
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../workers/schedule';
import { gateReads, sliceStream } from '../../../src/engine/io';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Scheduler + gateReads', () => {
  it('pauses a gated stream between reads while a user request runs, then resumes', async () => {
    const s = new Scheduler();
    const ac = new AbortController();
    const notes: string[] = [];
    gateReads(ac.signal, () => s.idle(ac.signal, (w) => notes.push(`paused: ${w.join(', ')}`), () => notes.push('resumed')));
    const reader = sliceStream(new Blob([new Uint8Array(40)]), { signal: ac.signal, chunk: 10 }).getReader();
    expect((await reader.read()).value?.length).toBe(10);
    const end = s.begin('the file listing');
    let got = false;
    const next = reader.read().then((r) => ((got = true), r));
    await tick();
    await tick();
    expect(got).toBe(false); // held at the gate
    expect(notes).toEqual(['paused: the file listing']);
    end();
    expect((await next).value?.length).toBe(10);
    expect(notes).toEqual(['paused: the file listing', 'resumed']);
    // With no user request running, reads pass straight through.
    let n = 20;
    for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
    expect(n).toBe(40);
  });

  it('waits for every user request, and a cancel releases a paused read as cancelled', async () => {
    const s = new Scheduler();
    const a = s.begin('the download');
    const b = s.begin('the build');
    expect(s.waitingFor).toEqual(['the download', 'the build']);
    a();
    a(); // ending twice is harmless
    expect(s.waitingFor).toEqual(['the build']);
    const ac = new AbortController();
    gateReads(ac.signal, () => s.idle(ac.signal, () => {}, () => {}));
    const reader = sliceStream(new Blob([new Uint8Array(8)]), { signal: ac.signal }).getReader();
    const read = reader.read();
    await tick();
    ac.abort();
    await expect(read).rejects.toMatchObject({ code: 'cancelled' });
    b();
    expect(s.waitingFor).toEqual([]);
  });
});
