// The typed protocol between the page and the engine worker: every message shape that crosses the comlink
// boundary, and the worker's API as an interface. Both sides import this module (types only), so the UI never
// imports from workers/ and the worker never imports from src/ui/.
//
// A job is `(jobId, onProgress, ...args) => Promise<result>`: the UI picks the id (so it can cancel), progress is
// a comlink proxy, and a failure rejects with a WireError (a plain object: comlink keeps only an Error's message).

import type {
  BuildResult,
  BuildSettings,
  CompareResult,
  ErrorCode,
  ErrorWhere,
  ImageArchive,
  ImageConfig,
  ImageDetails,
  ImageIndex,
  ImageManifest,
  InspectImage,
  LayerDetail,
  LayerMatches,
  PackedEntries,
  PackedLayerChanges,
  PackageList,
  Preview,
  PreviewTarget,
  SizeNode,
  WastedSpace,
  Problem,
  Repair,
  RepairId,
  RewrittenBlob,
  VerifyResult,
} from './engine/index';

export type { LayerDetail, RepairId };

/** Progress as the UI receives it: bytes done/total and what is being worked on (or waited for). */
export type ProgressCallback = (done: number, total: number, label?: string) => void;

/** An error as it crosses the worker boundary (LwError.toJSON()). */
export interface WireError {
  code: ErrorCode;
  message: string;
  where: ErrorWhere;
}

/** A folder pick or drop: every file with its path relative to the folder picked. */
export type FolderInput = { path: string; file: File }[];
export type OpenInput = File | Blob | FolderInput;

export interface ImageSummary extends InspectImage {
  /** Position in the archive's image list (the image picker's value). */
  index: number;
  details: ImageDetails;
  manifestJson: ImageManifest;
  configJson: ImageConfig;
}

/** The plain-JSON picture of an opened archive: everything the UI shows without asking again. */
export interface OpenSummary {
  name: string;
  format: ImageArchive['format'];
  container: ImageArchive['tree']['kind'];
  images: ImageSummary[];
  indexJson?: ImageIndex;
  dockerManifestJson?: unknown;
  /** Things worth telling that did not stop the archive from opening. */
  warnings: string[];
  /** Manifests that could not be opened as images, with why. */
  skipped: { digest: string; reason: string }[];
}

/** An archive open in the worker, as the UI holds it. */
export type Opened = OpenSummary & { sessionId: string };

/** Verify's result for the UI: problems as errors (code, message, where) so they read like any other error. */
export interface VerifySummary {
  ok: boolean;
  blobs: number;
  bytes: number;
  ms: number;
  /** `code` is the nearest error code (for the plain-words sentences); `problem` is the problem code proper. */
  problems: (WireError & { problem: VerifyResult['problems'][number]['code']; expected?: string; actual?: string })[];
  /** Uncompressed layer sizes by layer digest, when the engine reports them. */
  uncompressed: Record<string, number>;
}

/** A problem as the UI shows it (the entry ordinals stay in the worker). */
export type ProblemView = Omit<Problem, 'entries'>;
export type RepairView = Omit<Repair, 'drop' | 'readdress'>;

export interface DiagnoseJobResult {
  problems: ProblemView[];
  repairs: RepairView[];
}

export interface FixJobResult {
  opened: Opened;
  rewritten: RewrittenBlob[];
  applied: RepairId[];
  warnings: string[];
  ms: number;
}

export type ArchiveFormat = 'oci' | 'docker';

export interface ExportJobResult {
  blob: Blob;
  name: string;
  /** What the writer changed or left out (e.g. zstd layers re-encoded as gzip for docker load). */
  warnings?: string[];
}

export interface BuildJobInput {
  /** Session of the open image to build on; omit to build from scratch. */
  baseSessionId?: string;
  /** Which image of that archive (its position in the image list). */
  baseImage?: number;
  rootfs: File[];
  settings: BuildSettings;
  /** gzip level 0-9 of the new layers (default 6). */
  level?: number;
}

export type BuildJobSummary = Omit<BuildResult, 'out' | 'config'>;

export interface BuildJobResult {
  opened: Opened;
  summary: BuildJobSummary;
}

/** One side of a compare: the merged filesystem after layer `upto` (all layers when absent; -1 = empty). */
export interface CompareSide {
  sessionId: string;
  image: number;
  upto?: number;
}

type Job<A extends unknown[], R> = (jobId: string, onProgress: ProgressCallback | undefined, ...args: A) => Promise<R>;

/** What the engine worker exposes (workers/engine.worker.ts `api` satisfies this). */
export interface EngineApi {
  /** Opens an archive (File) or a folder (list of files): a session id and everything to show. */
  open: Job<[input: OpenInput, name: string], Opened>;
  /** Every blob's size and digest and every layer's diff_id; all problems collected. */
  verify: Job<[sessionId: string], VerifySummary>;
  /** Base image (an open session, or none) + app rootfs Files → a new image, opened as a new session. */
  build: Job<[input: BuildJobInput], BuildJobResult>;
  /** Problems + offered repairs. Runs at background priority: the user's own requests go first. */
  diagnose: Job<[sessionId: string], DiagnoseJobResult>;
  /** The chosen repairs; the result opens as a new session. */
  fix: Job<[sessionId: string, repairs: RepairId[], level?: number], FixJobResult>;
  /** Any open session as an OCI archive or a docker-archive Blob, composed without copying blobs. */
  exportArchive: Job<[sessionId: string, format: ArchiveFormat], ExportJobResult>;
  /** One layer's entries in archive order, packed as columns. */
  listLayer: Job<[sessionId: string, image: number, layer: number], PackedEntries>;
  /** The merged filesystem up to a layer (all layers when omitted), packed as columns. */
  mergedView: Job<[sessionId: string, image: number, upto?: number], PackedEntries>;
  /**
   * What each layer of an image changed against the merged filesystem below it (ops/explore/changes.ts), bottom
   * first, packed as columns (unpackChanges); each layer's uncompressed tar size rides along. Reads every layer not
   * yet listed (ListingCache), so the page asks on request or once the automatic diagnosis is done.
   */
  layerChanges: Job<[sessionId: string, image: number], PackedLayerChanges>;
  /**
   * The same at background priority (Layer sizes starts it by itself once the diagnosis is done): its reads pause
   * while the user's own requests run. So do wastedSpace and packages.
   */
  layerChangesInBackground: Job<[sessionId: string, image: number], PackedLayerChanges>;
  /** dive's wasted space and efficiency over an image's layers, and the merged tree by size for the treemap. */
  wastedSpace: Job<[sessionId: string, image: number], { wasted: WastedSpace; tree: SizeNode }>;
  /** One file shown without saving it: text, hex, or an image, reading only what it shows (ops/explore/preview.ts). */
  preview: Job<[sessionId: string, image: number, target: PreviewTarget, path: string], Preview>;
  /** Installed packages (dpkg status, apk installed db) of the merged filesystem, each with its layer. */
  packages: Job<[sessionId: string, image: number], PackageList>;
  /** One file's bytes out of a layer. */
  extractFile: Job<[sessionId: string, image: number, layer: number, path: string, ordinal?: number], Blob>;
  /** Two merged filesystems (of one image or two open sessions) → paths added / removed / changed. */
  compare: Job<[before: CompareSide, after: CompareSide], CompareResult>;
  /** Which layers hold a path matching a Filter files pattern (from the cached listings). */
  findInLayers: Job<[sessionId: string, image: number, pattern: string], LayerMatches[]>;
  /** Aborts a running job; its promise then rejects with code 'cancelled'. */
  cancel(jobId: string): void;
  /** Forgets an opened archive (scratch files go when none is open and nothing runs). */
  close(sessionId: string): Promise<void>;
  /** Which scratch storage the worker ended up with. */
  storage(): Promise<'opfs' | 'memory'>;
}

/** The EngineApi members that are jobs. */
export type JobName = { [K in keyof EngineApi]: EngineApi[K] extends Job<never, unknown> ? K : never }[keyof EngineApi];
export type JobArgs<K extends JobName> = EngineApi[K] extends Job<infer A, unknown> ? A : never;
export type JobResult<K extends JobName> = EngineApi[K] extends Job<never, infer R> ? R : never;
