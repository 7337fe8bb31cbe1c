/**
 * @seclog/detect: Sigma-compatible rules and the streaming evaluator (pure).
 * Issue F fills in the engine; the field model is shared from the start.
 */
export { compileFieldPath, FIELD_ALIASES, getField, resolveFieldPath } from './field-aliases.js';
