// The public engine API: what the worker, the CLI and the tests import. Pure TypeScript, no DOM, no Node.
// Each ops/<verb>.ts owner adds its line below.
export * from './errors';
export * from './env';
export * from './io';
export * from './units';
export * from './limits';
export * from './tar';
export * from './compress';
export * from './digest';
export * from './oci';
export * from './layers';
export * from './mutate';
export * from './ops/inspect';
export * from './ops/verify';
export * from './ops/files';
export * from './ops/diagnose';
export * from './ops/fix';
export * from './ops/config';
export * from './ops/build';
export * from './ops/explore/listings';
export * from './ops/explore/changes';
export * from './ops/explore/changes-wire';
export * from './ops/explore/tree';
export * from './ops/explore/glob';
export * from './ops/explore/compare';
export * from './ops/explore/compare-read';
