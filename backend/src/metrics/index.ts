/** Prometheus metrics by area; see registry.ts for the labels every series carries and the metrics port. */
export * from './registry.js';
export * from './http.js';
export * from './realtime.js';
export * from './database.js';
export * from './database-state.js';
