// Who goes first in the engine worker. The page diagnoses every image as soon as it opens; that automatic job
// must not starve what the user asks for (listing files took 4x longer while it ran). User requests register
// here while they run; a background job's reads wait at the gate (src/engine/io.ts gateReads) until none runs,
// so the diagnosis pauses between 8 MiB reads and resumes where it stopped. Verify is not a pausing request: it
// shares the diagnosis's layer reads (UnpackCache) and would otherwise wait for a paused reader.

export class Scheduler {
  #running = new Map<number, string>();
  #waiters = new Set<() => void>();
  #next = 0;

  /** A user request starts; returns the function that ends it. `what` is said to paused jobs ("listing files"). */
  begin(what: string): () => void {
    const id = ++this.#next;
    this.#running.set(id, what);
    return () => {
      if (!this.#running.delete(id) || this.#running.size) return;
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const w of waiters) w();
    };
  }

  /** What user requests run now, in words (empty when none). */
  get waitingFor(): string[] {
    return [...new Set(this.#running.values())];
  }

  /**
   * For a background job's reads: resolves at once when no user request runs; otherwise tells `onPause` what it
   * waits for and resolves when they have all ended (or `signal` aborts: the read then fails as cancelled).
   */
  async idle(signal: AbortSignal, onPause: (waitingFor: string[]) => void, onResume: () => void): Promise<void> {
    if (this.#running.size === 0) return;
    while (this.#running.size > 0 && !signal.aborted) {
      onPause(this.waitingFor);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    onResume();
  }
}
