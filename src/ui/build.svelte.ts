// The Build view's state, kept while other views are shown: the form as typed, the chosen rootfs files (in layer
// order), the build job and its result. The result stays here with its own Download; it is not put on screen in
// Inspect unless asked, so the base stays the base.

import type { BuildJobInput, BuildJobResult, Opened } from '../protocol';
import { app, Job } from './state.svelte';
import { defaultForm, type BuildForm } from './presets';

class BuildState {
  form = $state<BuildForm>(defaultForm());
  /** App rootfs tarballs, bottom layer first. */
  files = $state.raw<File[]>([]);
  readonly job = new Job('build', () => 'Building image');
  /** The last build's result (its image stays open in the worker for Download). */
  result = $state.raw<BuildJobResult | null>(null);

  /**
   * The base the Build view offers: the image open in Inspect — except an image built here, which does not
   * become the base of the next build (that stacked the app twice); its own base stays.
   */
  get openBase(): Opened | null {
    const o = app.opened;
    if (!o) return null;
    const made = app.made.get(o.sessionId);
    return made?.kind === 'built' ? (made.from ?? null) : o;
  }

  addFiles(list: File[]): void {
    this.files = [...this.files, ...list];
  }

  removeFile(i: number): void {
    this.files = this.files.filter((_, j) => j !== i);
  }

  /** Moves file i by `by` places (−1 = one layer lower). */
  moveFile(i: number, by: number): void {
    const j = i + by;
    if (j < 0 || j >= this.files.length) return;
    const next = [...this.files];
    [next[i], next[j]] = [next[j], next[i]];
    this.files = next;
  }

  async run(input: BuildJobInput, base: Opened | undefined): Promise<void> {
    app.error = null;
    app.building = true;
    try {
      const r = await this.job.start(input);
      if (this.job.error) app.showError(this.job.error);
      if (!r) return;
      this.result = r;
      app.rememberBuilt(r.opened, base);
    } finally {
      app.building = false;
    }
  }
}

export const buildState = new BuildState();
