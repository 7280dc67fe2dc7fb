// Extension point: panels shown in the image view for the open image, in this order, between "Integrity"
// (verify) and "Layers": Download, where the space goes (Layer sizes), the file browser with its Preview, Compare,
// then Wasted space and Packages (computed from the same cached listings). (Problems is not one of them: its
// verdict and Fix come first, right under the title.)
// A panel gets the open archive and the selected image and runs worker jobs through a Job (job.svelte.ts).

import type { Component } from 'svelte';
import type { ImageSummary, Opened } from '../protocol';
import DownloadPanel from './components/DownloadPanel.svelte';
import FilesPanel from './components/FilesPanel.svelte';
import ComparePanel from './components/ComparePanel.svelte';
import LayerSizes from './components/LayerSizes.svelte';
import WastedSpace from './components/WastedSpace.svelte';
import PreviewPanel from './components/PreviewPanel.svelte';
import Packages from './components/Packages.svelte';

export interface ImagePanelProps {
  opened: Opened;
  image: ImageSummary;
}

export interface ImagePanel {
  id: string;
  component: Component<ImagePanelProps>;
}

export const imagePanels: ImagePanel[] = [
  { id: 'download', component: DownloadPanel },
  { id: 'layer-sizes', component: LayerSizes },
  { id: 'files', component: FilesPanel },
  { id: 'preview', component: PreviewPanel },
  { id: 'compare', component: ComparePanel },
  { id: 'wasted', component: WastedSpace },
  { id: 'packages', component: Packages },
];
