// The public engine API: what the worker, the CLI and the tests import. Pure TypeScript, no DOM, no Node.
// Each ops/<verb>.ts owner adds its line below.
export * from './errors';
export * from './env';
export * from './tar';
export * from './compress';
export * from './digest';
export * from './oci';
export * from './ops/inspect';
export * from './ops/verify';
