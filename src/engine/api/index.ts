// The engine's wire contract, shared by the server, the client and compose: DTOs, versions, errors, framing.

export * from './build.js';
export * from './containers.js';
export * from './errors.js';
export * from './events.js';
export * from './exec.js';
export * from './filters.js';
export * from './images.js';
export * from './json-lines.js';
export * from './networks.js';
export * from './registry.js';
export * from './stdcopy.js';
export * from './system.js';
export * from './version.js';
