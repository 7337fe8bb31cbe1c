/**
 * @seclog/core — the event model, its validation and wire formats, and the
 * integrity constructions. Pure: no files, network, processes or timers.
 * Exports are explicit and grouped by area (no `export *`).
 */

export type { KnownSubtree } from './bundle/batch-proof.js';
export { batchProofNodes, rootFromBatchProof } from './bundle/batch-proof.js';
export type { BuildBundleInput, BundleEvent, NodeHashLookup, PrunedBundleEvent, RecordBundleEvent } from './bundle/build-bundle.js';
export { buildBundle } from './bundle/build-bundle.js';
export type {
  BundleFailure,
  BundleFailureKind,
  BundleOk,
  BundleVerification,
  PrunedSummary,
  SealSummary,
  VerifyBundleOptions,
} from './bundle/bundle-result.js';
export type { BundleFilter, BundleHeader, PrunedSlot } from './bundle/format.js';
export { BUNDLE_FORMAT, BUNDLE_VERSION } from './bundle/format.js';
export type { EventLine } from './bundle/verify/event-line.js';
export { readEventLine } from './bundle/verify/event-line.js';
export type { BundleLineDigest, BundleVerifier, BundleVerifierHooks } from './bundle/verify-bundle.js';
export { createBundleVerifier, verifyBundle } from './bundle/verify-bundle.js';
export { canonicalBytes, canonicalize } from './canon/jcs.js';
export { renderEventsMarkdown } from './catalogue/markdown.js';
export type { VendorEventSpec } from './catalogue/registry.js';
// catalogue
export {
  catalogueEntries,
  clearVendorEvents,
  getCatalogueEntry,
  isBuiltInEvent,
  registerVendorEvent,
  VENDOR_NAME,
} from './catalogue/registry.js';
export type {
  AttrSpec,
  AttrType,
  CatalogueEntry,
  EcsMapping,
  En304621Topic,
  EventExample,
  EventGroup,
  Iec62443Category,
  OcsfMapping,
  RequiredField,
  RequirementRefs,
} from './catalogue/types.js';
// integrity: device chains (DESIGN.md §5)
export {
  CHAIN_DOMAIN,
  CHAIN_HASH_BYTES,
  chainHash,
  hashFromHex,
  recordChainHash,
  recordChainHashHex,
  recordDigest,
} from './chain/chain-hash.js';
export type { ChainHead, StreamLinkCheck, StreamStartReason } from './chain/chain-head.js';
export { advanceHead, checkStreamLink, genesisHead, nextChainFields, streamStartAttrs } from './chain/chain-head.js';
export type { ChainFailure, ChainFailureKind, ChainOk, ChainVerification, VerifyChainOptions } from './chain/chain-result.js';
export { verifyChain } from './chain/verify-chain.js';
export type { Checkpoint, OpenCheckpointOptions } from './checkpoint/checkpoint.js';
// integrity: checkpoints as C2SP signed notes
export { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint/checkpoint.js';
export type { NoteSigner, NoteVerifier } from './checkpoint/note-key.js';
export {
  createNoteSigner,
  createNoteVerifier,
  ed25519KeyId,
  formatKeyId,
  generateNoteKey,
  isValidKeyName,
  verifierKeyFromPublicKey,
} from './checkpoint/note-key.js';
export type { NoteSignature, OpenedNote, ParsedNote } from './checkpoint/signed-note.js';
export { MAX_NOTE_SIGNATURES, openNote, parseNote, signNote } from './checkpoint/signed-note.js';
export { renderErrorsMarkdown } from './error-docs.js';
export type { ErrorCode, ErrorSpec } from './errors.js';
// errors
export { ERROR_CODES, isSeclogError, SeclogError } from './errors.js';
// event model
export { fitToRecordLimit } from './event/fit.js';
export type { Limits } from './event/limits.js';
export { LIMITS } from './event/limits.js';
export { isIpAddress } from './event/patterns.js';
export type { EventInput, PrepareContext, PreparedEvent } from './event/prepare.js';
export { prepareEvent } from './event/prepare.js';
export type { RedactionNote, RedactionOptions, RedactionPolicy, RedactionResult } from './event/redact.js';
export { isSecretKey, REDACTED_PREFIX, redactEvent, redactValue } from './event/redact.js';
export { eventJsonSchema, eventSchemaFor, OutcomeSchema, SecurityEventSchema, SeveritySchema, TimeQualitySchema } from './event/schema.js';
export type {
  Actor,
  Attrs,
  AttrValue,
  ChainedEvent,
  ChainFields,
  DeviceRef,
  Outcome,
  SecurityEvent,
  Severity,
  Target,
  TimeQuality,
  TimeSource,
} from './event/types.js';
export { OUTCOMES, SEVERITIES, TIME_SOURCES, ZERO_HASH_HEX } from './event/types.js';
export type { ValidateOptions, ValidationIssue, ValidationRule } from './event/validate.js';
export { assertValidEvent, formatIssues, validateEvent } from './event/validate.js';
export { CEF_SEVERITY, toCef } from './formats/cef.js';
export { ECS_VERSION, fromEcs, toEcs } from './formats/ecs.js';
// wire formats: OCSF, ECS, CEF, OTLP
export { fromOcsf } from './formats/ocsf/from-ocsf.js';
export { OCSF_VERSION } from './formats/ocsf/mapping.js';
export { toOcsf } from './formats/ocsf/to-ocsf.js';
export type { OtlpDecodeContext, OtlpDecodeResult, OtlpRejection } from './formats/otlp/decode.js';
export { decodeOtlpLogs, OTLP_DEFAULT_MAX_RECORDS } from './formats/otlp/decode.js';
export { toOtlpLogs } from './formats/otlp/encode.js';
export type { OtlpAttribution } from './formats/otlp/record.js';
export type { SyslogDecodeResult, SyslogFrameDecoder, SyslogFrameDecoderOptions, SyslogFraming } from './formats/syslog/framing.js';
export { createSyslogFrameDecoder, frameLf, frameOctetCounted } from './formats/syslog/framing.js';
export type { ParseRfc3164Options } from './formats/syslog/rfc3164.js';
export { parseRfc3164 } from './formats/syslog/rfc3164.js';
export type { ParseRfc5424Options } from './formats/syslog/rfc5424-parse.js';
// wire formats: syslog (RFC 5424, RFC 6587 framing, RFC 3164)
export { parseRfc5424 } from './formats/syslog/rfc5424-parse.js';
export { serializeRfc5424 } from './formats/syslog/rfc5424-serialize.js';
export type { EncodeEventSyslogOptions } from './formats/syslog/seclog-syslog.js';
export {
  DEFAULT_SECLOG_FACILITY,
  decodeEventSyslog,
  encodeEventSyslog,
  isSeclogSyslog,
  SECLOG_SD_ID,
  SYSLOG_SEVERITY_OF,
} from './formats/syslog/seclog-syslog.js';
export type { Rfc3164Message, SdElement, SyslogMessage } from './formats/syslog/syslog-message.js';
export { DEFAULT_MAX_SYSLOG_BYTES } from './formats/syslog/syslog-message.js';
export type { PassthroughContext, SyslogAttribution } from './formats/syslog/syslog-passthrough.js';
export { syslogToPassthrough } from './formats/syslog/syslog-passthrough.js';
export type { UuidV7Generator } from './id/uuidv7.js';
export { createUuidV7Generator, isUuidV7, uuidV7Time, uuidv7 } from './id/uuidv7.js';
export type { LeafData } from './log/leaf.js';
// integrity: Merkle leaves and export bundles
export { decodeLeaf, encodeLeaf, LEAF_DOMAIN, LEAF_FIXED_BYTES, LEAF_MAX_STRING_BYTES, leafHash } from './log/leaf.js';
export { recordLeaf, recordLeafHash } from './log/record-leaf.js';
export type { NodeVisitor } from './merkle/compact-range.js';
export { CompactRange } from './merkle/compact-range.js';
export { rootFromConsistencyProof, verifyConsistency } from './merkle/consistency-proof.js';
export type { Hash } from './merkle/hash.js';
// integrity: Merkle log (RFC 6962/9162)
export {
  emptyRoot,
  equalHashes,
  HASH_BYTES,
  hashChildren,
  hashLeaf,
  isHash,
  toHash,
} from './merkle/hash.js';
export { rootFromInclusionProof, verifyInclusion } from './merkle/inclusion-proof.js';
export type { NodeId } from './merkle/node-id.js';
export type { NodeStore } from './merkle/node-store.js';
export { MemoryNodeStore } from './merkle/node-store.js';
export type { ProofNodes } from './merkle/proof-nodes.js';
export { consistencyNodes, inclusionNodes, rehashProof } from './merkle/proof-nodes.js';
export type { MerkleTree } from './merkle/tree.js';
export { createMerkleTree } from './merkle/tree.js';
// risk profiles (shared by the agent and the collector's enrolment)
export type { ProfileDefaults, ProfileName } from './profile/profiles.js';
export { isProfileName, PROFILES, sealPolicyFor } from './profile/profiles.js';
export type { EpochGrid } from './seal/epoch-time.js';
export { DEFAULT_MAX_RECORD_BYTES, defaultStoredSize, RING_FRAME_BYTES } from './seal/front-cut.js';
// integrity: forward-secure seals
export { EpochKeys, evolveKey, generateSealKey, SEAL_KEY_BYTES, sealKey } from './seal/key-schedule.js';
export type { LogSealAttrs, SealBody } from './seal/seal-body.js';
export { computeSealTag, LOG_SEAL_EVENT, readSealAttrs, sealBody } from './seal/seal-body.js';
export type { SealFailure, SealFailureKind, SealVerification, VerifySealedOptions } from './seal/seal-result.js';
export type { SealVerifierConfig } from './seal/seal-verifier.js';
export { SealVerifier } from './seal/seal-verifier.js';
export type { SealerPolicy, SealerState, SealInput } from './seal/sealer.js';
export { createSealerState, Sealer } from './seal/sealer.js';
export type { UnsafeChar, UnsafeKind } from './text/unsafe-chars.js';
// text safety, canonical JSON, ids and time
export { findUnsafeChar, neutraliseText, truncateUtf8, utf8ByteLength } from './text/unsafe-chars.js';
export type { Instant, ParsedDateTime } from './time/rfc3339.js';
export {
  dateTimeProblem,
  eventTimeNow,
  formatEventTime,
  instantFromUnixNanos,
  isEventTime,
  parseDateTime,
  toEventTime,
  unixNanosFromInstant,
} from './time/rfc3339.js';
