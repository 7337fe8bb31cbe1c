/**
 * @seclog/cli: the `seclog` command.
 */
export { EXIT } from './exit-codes.js';
export { createProgram, main, VERSION } from './program.js';
