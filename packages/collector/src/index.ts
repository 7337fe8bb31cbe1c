/**
 * @seclog/collector: the server. Issue C adds ingest, the Merkle log, query
 * and export; the defaults of DESIGN.md §6 are fixed here first.
 */
export { COLLECTOR_DEFAULTS, isLoopbackHost } from './defaults.js';
