// The inspection panels (Layer sizes, Wasted space, Packages) fill themselves in once the automatic diagnosis is
// done — its reads come first — and only when every layer is there to read; a button runs them earlier by hand.

import { untrack } from 'svelte';
import { app } from './state.svelte';

/**
 * Runs `start` once per mount: after the diagnosis, when every layer of `layers()` is present, unless the user ran
 * it already. Returns the runner for the panel's own button. Call while the component initialises.
 */
export function startAfterDiagnosis(layers: () => readonly { present: boolean }[], start: () => void): () => void {
  let asked = false;
  const run = () => {
    asked = true;
    start();
  };
  $effect(() => {
    if (app.diagnosis.running || asked) return;
    untrack(() => {
      const all = layers();
      if (all.length > 0 && all.every((l) => l.present)) run();
    });
  });
  return run;
}
