// Extension point: the top-level views, shown as tabs in the header once there is more than one.
// Issue 4 adds its Build view here:
//   import BuildView from './components/BuildView.svelte';
//   { id: 'build', label: 'Build', component: BuildView },
// Switch views with `app.view = 'build'`; app.show(opened) switches back to 'inspect' with the new archive.

import type { Component } from 'svelte';
import InspectView from './components/InspectView.svelte';
import BuildView from './components/BuildView.svelte';

export interface ViewDef {
  id: string;
  label: string;
  component: Component;
}

export const views: ViewDef[] = [
  { id: 'inspect', label: 'Inspect', component: InspectView },
  { id: 'build', label: 'Build', component: BuildView },
];
