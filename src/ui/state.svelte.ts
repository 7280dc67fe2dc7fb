// App state (Svelte 5 runes). Components read `app` and call its methods; all engine work goes through Jobs
// (src/ui/job.svelte.ts) to the worker. Work that follows from an action (diagnosing an image once it is shown) is
// started by the action itself, not by an effect watching state.

import { tick } from 'svelte';
import { LwError } from '../engine/errors';
import type { DiagnoseJobResult, FixJobResult, OpenInput, Opened, RepairId } from '../protocol';
import { engine } from './engine';
import { explain, type Explained } from './errors';
import { Job, JobProgress } from './job.svelte';

export { Job, JobProgress };
export type { Opened };

/** Where an image on screen came from, when the page made it (it exists only in the browser until saved). */
export interface Made {
  kind: 'fixed' | 'built';
  /** The image it was made from (fix), or the base (build; absent when built from scratch). */
  from?: Opened;
}

class AppState {
  /** The top-level view (see src/ui/views.ts). */
  view = $state('inspect');
  /** The archive on screen; replaced as a whole, never mutated, so it is kept raw (not deeply proxied). */
  opened = $state.raw<Opened | null>(null);
  /** Which image of a multi-image archive is shown. */
  selected = $state(0);
  /** The error in the alert region; cleared by the next action. */
  error = $state<Explained | null>(null);
  /** Bumped on every open so panels can reset their per-image state. */
  generation = $state(0);

  readonly opening = new Job('open', (_input, name) => `Opening ${name}`);
  readonly verifying = new Job('verify', () => 'Verifying blobs');
  /** The automatic diagnosis of the image on screen (its result is kept per session). */
  readonly diagnosis = new Job('diagnose', () => 'Diagnosing layers');
  readonly fixing = new Job('fix', () => 'Fixing');
  /** gzip level of the layers Fix and Build write (the Compression level select; 6 = gzip's and Docker's). */
  compressionLevel = $state(6);
  /** Set by the Build view while a build runs (Download waits for it). */
  building = $state(false);

  /** Images made here (fixed, built) by session id, and which of them are not saved yet. */
  made = $state.raw<Map<string, Made>>(new Map());
  unsaved = $state.raw<Set<string>>(new Set());
  /** The report of the fix that produced a session. */
  fixReports = $state.raw<Map<string, FixJobResult>>(new Map());
  /** A fixed image the user stepped back from with Show original (offered again on the original). */
  fixedOf = $state.raw<Map<string, Opened>>(new Map());
  #diagnosed = new Map<string, DiagnoseJobResult>();

  get image() {
    return this.opened?.images[this.selected];
  }

  get verified() {
    return this.verifying.result;
  }

  showError(e: unknown): void {
    this.error = explain(e instanceof LwError ? e : new LwError('corrupt', String(e)));
  }

  /** Shows an archive the worker already opened (by open, fix or build) and starts its diagnosis. */
  show(opened: Opened): void {
    const previous = this.opened;
    this.opened = opened;
    this.selected = 0;
    this.generation++;
    this.view = 'inspect';
    this.verifying.reset();
    this.diagnose(opened);
    if (previous && previous.sessionId !== opened.sessionId && !this.#kept(previous.sessionId)) void closeSession(previous.sessionId);
  }

  /** Diagnoses the image on screen once per session (the result is kept: Show original needs no second run). */
  diagnose(o: Opened): void {
    const cached = this.#diagnosed.get(o.sessionId);
    if (cached) return this.diagnosis.restore(cached);
    void this.diagnosis.start(o.sessionId).then((r) => {
      if (r) this.#diagnosed.set(o.sessionId, r);
    });
  }

  diagnosisOf(sessionId: string): DiagnoseJobResult | undefined {
    return this.#diagnosed.get(sessionId);
  }

  async open(input: OpenInput, name: string): Promise<boolean> {
    this.error = null;
    const opened = await this.opening.start(input, name);
    if (this.opening.error) this.showError(this.opening.error);
    if (!opened) return false;
    this.#forgetMade();
    this.show(opened);
    await this.focusHeading();
    return true;
  }

  /** Keyboard and screen-reader users land on the image's name after it opens. */
  async focusHeading(): Promise<void> {
    await tick();
    document.getElementById('image-heading')?.focus();
  }

  verify(): void {
    const opened = this.opened;
    if (!opened || this.verifying.running) return;
    this.error = null;
    void this.verifying.start(opened.sessionId).then(() => {
      if (this.opened !== opened) return;
      if (this.verifying.error) this.showError(this.verifying.error);
      // Said in the alert region: the bar just vanishes otherwise.
      else if (this.verifying.cancelled) this.showError(new LwError('cancelled', 'Verify was cancelled.'));
    });
  }

  /** Runs the chosen repairs; the fixed image replaces the original on screen (Show original goes back). */
  async fix(ids: RepairId[]): Promise<Opened | undefined> {
    const original = this.opened;
    if (!original || this.fixing.running || ids.length === 0) return undefined;
    this.error = null;
    // The default (6) leaves fix free to splice (reuse the source's compressed blocks: ops/fix-layer.ts); another
    // level asks for every rewritten byte deflated at it.
    const r = await this.fixing.start(original.sessionId, ids, this.compressionLevel === 6 ? undefined : this.compressionLevel);
    if (this.fixing.error) this.showError(this.fixing.error);
    if (!r) return undefined;
    this.fixReports = new Map(this.fixReports).set(r.opened.sessionId, r);
    this.#remember(r.opened.sessionId, { kind: 'fixed', from: original });
    if (this.opened?.sessionId === original.sessionId) this.show(r.opened);
    return r.opened;
  }

  /** Back from a fixed image to the one it was made from; the fixed one stays offered there. */
  showOriginal(): void {
    const o = this.opened;
    const made = o && this.made.get(o.sessionId);
    if (!o || !made?.from) return;
    this.fixedOf = new Map(this.fixedOf).set(made.from.sessionId, o);
    this.show(made.from);
    void this.focusHeading();
  }

  /** A built image, kept open in the worker for its Download (the base stays on screen). */
  rememberBuilt(built: Opened, base: Opened | undefined): void {
    this.#remember(built.sessionId, { kind: 'built', from: base });
  }

  markSaved(sessionId: string): void {
    if (!this.unsaved.has(sessionId)) return;
    const next = new Set(this.unsaved);
    next.delete(sessionId);
    this.unsaved = next;
  }

  /** Back to the start screen. */
  closeImage(): void {
    if (this.opened) void closeSession(this.opened.sessionId);
    this.#forgetMade();
    this.verifying.reset();
    this.diagnosis.reset();
    this.opened = null;
    this.error = null;
    this.generation++;
  }

  #remember(sessionId: string, m: Made): void {
    this.made = new Map(this.made).set(sessionId, m);
    this.unsaved = new Set(this.unsaved).add(sessionId);
  }

  /** Sessions that stay open while another is shown: images made here and the images they came from. */
  #kept(sessionId: string): boolean {
    if (this.made.has(sessionId)) return true;
    for (const m of this.made.values()) if (m.from?.sessionId === sessionId) return true;
    return false;
  }

  #forgetMade(): void {
    const ids = new Set<string>();
    for (const [id, m] of this.made) {
      ids.add(id);
      if (m.from) ids.add(m.from.sessionId);
    }
    for (const id of ids) if (id !== this.opened?.sessionId) void closeSession(id);
    this.made = new Map();
    this.unsaved = new Set();
    this.fixedOf = new Map();
  }
}

async function closeSession(id: string): Promise<void> {
  await engine().close(id).catch(() => {});
}

export const app = new AppState();
