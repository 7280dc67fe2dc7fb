// Extension point: panels shown in the image view for the open image, in this order, between "Integrity"
// (verify) and "Layers". Issue 3 adds its Problems/Fix/Download panel here:
//   import ProblemsPanel from './components/ProblemsPanel.svelte';
//   export const imagePanels: ImagePanel[] = [{ id: 'problems', component: ProblemsPanel }];
// A panel gets the open archive and the selected image; it calls the worker with track()/runJob() and, when
// its job produces a new archive (fix, build), shows it with app.show(opened).

import type { Component } from 'svelte';
import type { Opened } from './state.svelte';
import type { ImageSummary } from './summary';
import Problems from './components/Problems.svelte';
import DownloadButton from './components/DownloadButton.svelte';
import FilesPanel from './components/FilesPanel.svelte';

export interface ImagePanelProps {
  opened: Opened;
  image: ImageSummary;
}

export interface ImagePanel {
  id: string;
  component: Component<ImagePanelProps>;
}

export const imagePanels: ImagePanel[] = [
  { id: 'problems', component: Problems },
  { id: 'download', component: DownloadButton },
  { id: 'files', component: FilesPanel },
];
