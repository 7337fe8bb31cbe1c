/**
 * The one error type of seclog, and the registry of every error code.
 *
 * Codes are SCREAMING_SNAKE with an area prefix. They are part of the public
 * contract (HTTP bodies, CLI `--json`, docs/errors.md): never rename or reuse
 * one. A test keeps this registry and docs/errors.md in step.
 */

export interface ErrorSpec {
  /** HTTP status the collector answers with when this error reaches a client. */
  readonly status: number;
  /** One line for docs/errors.md: what it means and what to do. */
  readonly doc: string;
}

export const ERROR_CODES = {
  // event model (A)
  EVENT_INVALID: {
    status: 400,
    doc: 'The event does not match its schema; `details.errors` lists every violation with its JSON path and rule.',
  },
  EVENT_UNKNOWN_NAME: {
    status: 400,
    doc: 'The event name is neither in the catalogue nor a registered vendor event (`x_<vendor>_<name>`).',
  },
  EVENT_TOO_LARGE: { status: 413, doc: 'The canonical JSON of the record exceeds the per-record byte limit.' },
  CATALOGUE_DUPLICATE: { status: 500, doc: 'A vendor event was registered under a name that is already taken.' },
  CATALOGUE_BAD_VENDOR_NAME: {
    status: 500,
    doc: 'A vendor event name must match `x_<vendor>_<name>` (lower case, digits, underscores, at most 32 characters).',
  },
  CATALOGUE_BAD_SCHEMA: {
    status: 500,
    doc: 'A vendor event schema declares an attribute that is not a flat scalar, or a required attribute without a type.',
  },
  // canonical JSON (A)
  JCS_UNSUPPORTED_VALUE: {
    status: 400,
    doc: 'The value cannot be canonicalised per RFC 8785 (NaN, Infinity, undefined, a function, a BigInt, or a lone surrogate in a string).',
  },
  // time (A)
  TIME_INVALID: { status: 400, doc: 'A timestamp is not a valid RFC 3339 date-time (or names an impossible date such as February 30).' },
  // RFC 5424 / 3164 syslog (A)
  SYSLOG_FRAME_INVALID: { status: 400, doc: 'The syslog transport framing (octet counting or LF) is malformed.' },
  SYSLOG_TOO_LONG: { status: 413, doc: 'The syslog message exceeds the configured maximum length.' },
  SYSLOG_PRI_INVALID: { status: 400, doc: 'PRI is missing, has leading zeros, or is outside 0–191.' },
  SYSLOG_VERSION_UNSUPPORTED: { status: 400, doc: 'Only syslog protocol VERSION 1 (RFC 5424) is accepted.' },
  SYSLOG_TIMESTAMP_INVALID: { status: 400, doc: 'TIMESTAMP is not an RFC 5424 date-time or names an impossible date.' },
  SYSLOG_HEADER_INVALID: {
    status: 400,
    doc: 'HOSTNAME, APP-NAME, PROCID or MSGID is empty, too long or contains characters outside PRINTUSASCII.',
  },
  SYSLOG_SD_INVALID: {
    status: 400,
    doc: 'STRUCTURED-DATA is malformed: bad SD-ID or PARAM-NAME, a missing quote, a bad escape, or a duplicate SD-ID.',
  },
  SYSLOG_ENCODING_INVALID: { status: 400, doc: 'The message is not valid UTF-8.' },
  SYSLOG_SECLOG_MISMATCH: {
    status: 400,
    doc: 'A message claiming to be a seclog event carries structured data that disagrees with its canonical JSON body.',
  },
  SYSLOG_RFC3164_INVALID: { status: 400, doc: 'A legacy RFC 3164 message could not be parsed.' },
  // other wire formats (A)
  OTLP_INVALID: { status: 400, doc: 'The OTLP/HTTP JSON logs body is malformed; `details.path` names the offending field.' },
  OTLP_TOO_MANY_RECORDS: {
    status: 413,
    doc: 'The OTLP/HTTP JSON logs body holds more log records than the configured maximum; `details.max` is the limit. Split the export into smaller batches.',
  },
  OCSF_INVALID: {
    status: 400,
    doc: 'The OCSF object cannot be read back as a seclog event: a field is missing or has the wrong type; `details.path` names it.',
  },
  ECS_INVALID: {
    status: 400,
    doc: 'The ECS document cannot be read back as a seclog event: a field is missing or has the wrong type; `details.path` names it.',
  },
  // merkle log, checkpoints and proofs (B): add codes below this line
  MERKLE_HASH_INVALID: { status: 400, doc: 'A hash is not 32 bytes (SHA-256); `details.what` names which one (leaf, root, proof[i]).' },
  MERKLE_SIZE_INVALID: { status: 400, doc: 'A tree size or leaf index is not a non-negative integer of at most 2^53 − 1.' },
  MERKLE_INDEX_OUT_OF_RANGE: { status: 400, doc: 'The leaf index is not below the tree size, so no inclusion proof exists.' },
  MERKLE_SIZE_BEYOND_TREE: { status: 400, doc: 'A root or proof was asked for at a tree size larger than the log has reached.' },
  MERKLE_CONSISTENCY_SIZES_INVALID: {
    status: 400,
    doc: 'A consistency proof needs 0 < size1 ≤ size2; a proof from the empty tree proves nothing (RFC 9162 §2.1.4).',
  },
  MERKLE_PROOF_LENGTH_INVALID: { status: 400, doc: 'The proof has the wrong number of hashes for its leaf index and tree size(s).' },
  MERKLE_ROOT_MISMATCH: {
    status: 400,
    doc: 'The root computed from the proof differs from the expected one: the leaf, proof or root was altered, or the log forked. `details` holds both roots (base64).',
  },
  MERKLE_NODE_MISSING: { status: 500, doc: 'The node store lacks a node below its own leaf count: the store is corrupt or was truncated.' },
  CHECKPOINT_TEXT_INVALID: {
    status: 400,
    doc: 'The checkpoint body is not at least three non-empty, newline-terminated lines (origin, tree size, root hash).',
  },
  CHECKPOINT_ORIGIN_INVALID: { status: 400, doc: 'The checkpoint origin line is empty or contains a control character.' },
  CHECKPOINT_SIZE_INVALID: { status: 400, doc: 'The tree size line is not ASCII decimal without leading zeros, or exceeds 2^53 − 1.' },
  CHECKPOINT_ROOT_INVALID: { status: 400, doc: 'The root hash line is not canonical standard base64 (with padding) of 32 bytes.' },
  CHECKPOINT_EXTENSION_INVALID: { status: 400, doc: 'A checkpoint extension line is empty or contains a control character.' },
  CHECKPOINT_ORIGIN_MISMATCH: { status: 400, doc: 'The checkpoint names a different origin than the log the verifier pinned.' },
  NOTE_ENCODING_INVALID: {
    status: 400,
    doc: 'The signed note is not valid UTF-8 or contains an ASCII control character other than newline.',
  },
  NOTE_SIGNATURE_BLOCK_MISSING: { status: 400, doc: 'The signed note has no blank line followed by newline-terminated signature lines.' },
  NOTE_SIGNATURE_LINE_INVALID: {
    status: 400,
    doc: 'A signature line is not `— <key name> <base64(key ID ‖ signature)>` with a valid name and at least 5 bytes.',
  },
  NOTE_TOO_MANY_SIGNATURES: { status: 400, doc: 'The signed note carries more than 100 signature lines (the limit of Go’s note package).' },
  NOTE_SIGNATURE_INVALID: { status: 400, doc: 'A signature from a known key does not verify, so the whole note is rejected.' },
  NOTE_UNVERIFIED: {
    status: 400,
    doc: 'No signature on the note comes from a known key; `details.signatures` lists the names and key IDs it carries.',
  },
  NOTE_TEXT_INVALID: {
    status: 400,
    doc: 'The text to sign is empty, lacks its final newline, or contains a control character or a lone surrogate.',
  },
  NOTE_NAME_INVALID: { status: 400, doc: 'A key name is empty or contains a Unicode space or a plus sign (U+002B).' },
  NOTE_KEY_INVALID: {
    status: 400,
    doc: 'A verifier or signer key string is malformed; `details.reason` is format, name, key_id, algorithm or length.',
  },
  NOTE_KEY_AMBIGUOUS: { status: 500, doc: 'Two known verifier keys share a name and key ID, so a signature cannot be attributed.' },
  // device chain, seals and bundles (B): add codes below this line
  CHAIN_HASH_INVALID: {
    status: 400,
    doc: 'A chain-hash input is malformed: a prev or digest that is not 32 bytes (64 lowercase hex digits), or a seq that is not a positive safe integer; `details.what` names it.',
  },
  CHAIN_LINK_INVALID: {
    status: 500,
    doc: 'A record handed to the logger does not continue its chain head (other stream, seq not head + 1, or prev not the head hash); the logger state and the ring disagree.',
  },
  SEAL_KEY_INVALID: { status: 400, doc: 'A seal key is not 32 bytes (64 lowercase hex digits in a persisted sealer state).' },
  SEAL_EPOCH_INVALID: { status: 400, doc: 'A seal epoch (or the verifier checkpoint interval) is not a non-negative safe integer.' },
  SEAL_STATE_INVALID: {
    status: 500,
    doc: 'A persisted sealer state or a seal policy is malformed; `details.field` names the field and the message the rule.',
  },
  SEAL_INPUT_INVALID: {
    status: 500,
    doc: 'The agent asked to seal an epoch with inputs that cannot describe it: a last seq before the epoch start, a malformed chain head, an oldest retained seq above the next seq, or a clock before the epoch start.',
  },
  SEAL_KEY_ERASED: {
    status: 500,
    doc: 'The sealer was used after its key was erased (unenrolment or shutdown); load the persisted state into a new sealer.',
  },
  LEAF_INVALID: {
    status: 400,
    doc: 'A Merkle leaf field cannot be encoded: an empty or over-long (> 65,535 UTF-8 bytes) device id or stream, a lone surrogate, a seq that is not a positive safe integer, a receive time that is not a non-negative safe integer, or a hash that is not 32 bytes; `details.field` names it.',
  },
  LEAF_ENCODING_INVALID: {
    status: 400,
    doc: 'Bytes are not a `seclog/leaf/v1` leaf: wrong domain prefix, a length running past the end, trailing bytes, invalid UTF-8, or an integer out of range; `details.reason` says which.',
  },
  BUNDLE_FORMAT_INVALID: {
    status: 400,
    doc: 'The input is not a seclog export bundle: its first line is not a JSON header with `"format":"seclog-bundle"`.',
  },
  BUNDLE_VERSION_UNSUPPORTED: {
    status: 400,
    doc: 'The bundle header names a format version this verifier does not know; `details.version` is the version found.',
  },
  BUNDLE_OPTIONS_INVALID: {
    status: 400,
    doc: 'The verification options are unusable: no pinned verifier key, a malformed key or seal key, or a trusted checkpoint that does not open under the pinned origin and keys; `details.reason` says which.',
  },
  BUNDLE_CONSISTENCY_MISSING: {
    status: 400,
    doc: 'A trusted checkpoint was given but the bundle carries no consistency proof from its tree size (or is older than it); export again with `--consistency-from <trusted size>`.',
  },
  BUNDLE_INPUT_INVALID: {
    status: 500,
    doc: 'The exporter was handed events it cannot prove: leaf indexes not strictly increasing or beyond the checkpoint, a record without chain fields, an event outside the filter, a count that differs from the one declared, or an invalid consistency size; `details.reason` says which.',
  },
  BUNDLE_LEAF_MISMATCH: {
    status: 500,
    doc: 'The stored leaf at an index differs from the leaf recomputed from the stored record and receive time: the event store and the Merkle node store disagree (corruption or tampering); nothing is exported.',
  },
  // detect (F): add codes below this line
  RULE_YAML_INVALID: {
    status: 400,
    doc: 'A rule file is not valid YAML (a duplicate key included); `details` names the source, line and column.',
  },
  RULE_INVALID: {
    status: 400,
    doc: 'A rule, correlation or filter document is malformed: a required key is missing, a value has the wrong type, a timespan, regular expression or CIDR is invalid, or a modifier combination makes no sense; `details` names the source, line, column and YAML path.',
  },
  RULE_UNSUPPORTED: {
    status: 400,
    doc: 'The rule uses a Sigma construct seclog does not evaluate (e.g. `|base64offset`, `|windash`, `near`, a Sigma 1 aggregation `| count() > 5`, a `value_sum` correlation, a risky regular expression); `details.construct` names it and `details.line` its line. The rule is refused rather than evaluated wrongly.',
  },
  RULE_CONDITION_INVALID: {
    status: 400,
    doc: 'A detection condition does not parse, names a search identifier that does not exist, or has a `1 of`/`all of` pattern that matches none; `details` gives the line and the offset in the condition.',
  },
  RULE_REFERENCE_UNKNOWN: {
    status: 400,
    doc: 'A correlation names a rule (by id or name) that is not in the rule set, or a group-by field or alias that the referenced rule cannot supply.',
  },
  RULE_REFERENCE_CYCLE: { status: 400, doc: 'Correlation rules refer to each other in a cycle; `details.cycle` lists the rules.' },
  RULE_DUPLICATE: { status: 409, doc: 'Two rules of the rule set have the same id or name; ids and names must be unique.' },
  RULE_FIELD_UNKNOWN: {
    status: 400,
    doc: 'With strict field checking, a rule names a field that is neither a seclog path, an `attrs.*` key nor a built-in alias, so it could never match.',
  },
  DETECT_STATE_INVALID: {
    status: 500,
    doc: 'Exported detection state cannot be imported (unknown format version or malformed); start from an empty state and replay the recent stream.',
  },
  DETECT_INPUT_INVALID: {
    status: 500,
    doc: 'The detection engine was fed an event without a usable leaf index or time (not a safe integer, not a valid RFC 3339 time).',
  },
  RULE_TEST_INVALID: {
    status: 400,
    doc: 'A rule test file (`*.test.yml`) is malformed, names a rule that is not in the rule set, or gives an event that is not a valid record; the message names the file, line and case.',
  },
  // detect alerts (F)
  ALERT_NOT_FOUND: { status: 404, doc: 'No stored alert has this id (`alr-` followed by 32 hex digits).' },
  ALERT_TRANSITION_INVALID: {
    status: 409,
    doc: 'The alert cannot move to that state from the one it is in (`details.from`, `details.to`, `details.allowed`), or another transition changed it first; read the alert again.',
  },
  ALERT_TRANSITION_INCOMPLETE: {
    status: 422,
    doc: 'The transition lacks what it needs: closing needs a `resolution` and a `comment`, reopening a `comment`, reassigning an `assignee`; a `resolution` is only given when closing. `details.field` names it.',
  },
  DETECT_AUDIT_FAILED: {
    status: 503,
    doc: 'The `alert_transition` or `log_config_change` record of an alert transition or rule change could not be committed, so nothing was changed. Retry; if it persists, check the collector’s storage.',
  },
  DETECT_RULE_NOT_FOUND: { status: 404, doc: 'No loaded rule has this id (or name, for rules without an id).' },
  DETECT_RULE_CONFLICT: {
    status: 409,
    doc: 'A custom rule file names a rule id that a built-in rule has (disable the built-in one and add yours under another id), or ids of more than one stored custom file (`details.files`).',
  },
  // collector (C): add codes below this line
  DEVICE_NOT_FOUND: { status: 404, doc: 'No enrolled device has this id (GET /api/v1/devices/:id).' },
  STORAGE_FULL: {
    status: 507,
    doc: 'The collector’s storage is at its critical level (storage.criticalPercent) with storage.onFull reject: non-critical events are refused until space is freed; critical events are accepted up to storage.hardFloorPercent (docs/retention.md). The device keeps the batch and retries.',
  },
  RETENTION_OPTIONS_INVALID: { status: 400, doc: 'A retention command option is not valid; `details.field` names it.' },
  STORE_OPEN_FAILED: {
    status: 500,
    doc: 'The database could not be opened with the settings an ACK relies on (WAL journal); `details.reason` says which.',
  },
  STORE_SCHEMA_TOO_NEW: {
    status: 500,
    doc: 'The database was migrated by a newer seclog than this one; run that version, or restore a backup taken before the upgrade.',
  },
  STORE_SCHEMA_MISMATCH: {
    status: 500,
    doc: 'A migration recorded in the database has an id or name this seclog does not know at that place: the data comes from another schema line.',
  },
  STORE_MIGRATIONS_INVALID: {
    status: 500,
    doc: 'The list of migrations in the code is malformed (ids not positive, not strictly increasing, or a name missing).',
  },
  STORE_MIGRATION_FAILED: {
    status: 500,
    doc: 'A migration failed and was rolled back; earlier migrations stay applied. `details` names the migration.',
  },
  STORE_TOKEN_HASH_TAKEN: { status: 409, doc: 'Another device or API token already has this token hash.' },
  STORE_BATCH_INVALID: {
    status: 500,
    doc: 'A batch handed to commitBatches contradicts the stored state: a seq at or below the cursor outside an open gap, a gap fill that touches neither end of its gap or does not chain to it, a cursor moving back, or a cursor or seal row of another stream (`details.reason`); nothing of the group was stored.',
  },
  STORE_CHECKPOINT_CONFLICT: {
    status: 500,
    doc: 'A checkpoint for this tree size is already stored with a different root: the log would fork.',
  },
  STORE_RANGE_INVALID: { status: 400, doc: 'A position range is not a half-open [from, to) of non-negative safe integers.' },
  CONFIG_INVALID: {
    status: 500,
    doc: 'The collector configuration does not match its schema; `details.errors` lists every problem as `{key, rule, message, source}` (unknown keys come with a did-you-mean).',
  },
  CONFIG_FILE_INVALID: {
    status: 500,
    doc: 'The configuration file cannot be read, is not valid YAML (the message names line and column), or its top level is not a mapping.',
  },
  CONFIG_INSECURE_BIND: {
    status: 500,
    doc: 'A listener would bind a non-loopback address without TLS; configure TLS or set the named `insecureBind` key to force it.',
  },
  CONFIG_TLS_FILE: {
    status: 500,
    doc: 'A configured TLS certificate, key or CA file does not exist, is not a regular file, or is not readable.',
  },
  DATA_DIR_INVALID: { status: 500, doc: 'The data directory path exists but is not a directory, or cannot be created or written.' },
  KEY_INVALID: {
    status: 500,
    doc: 'A key file in the data directory is unreadable or corrupt (`details.file` names it); it is never regenerated silently: restore it from backup.',
  },
  KEY_FILE_MODE: {
    status: 500,
    doc: 'A secret key file is readable or writable by group or others; `chmod 600` it (and check who may have read it).',
  },
  KEY_MISMATCH: {
    status: 500,
    doc: 'log.vkey does not belong to log.key: one of them was replaced; restore the pair from backup rather than re-deriving.',
  },
  KEY_ORIGIN_MISMATCH: {
    status: 500,
    doc: 'The configured `log.origin` differs from the origin the log key was created with; a checkpoint origin never changes.',
  },
  INGEST_RECORD_INVALID: {
    status: 400,
    doc: 'A record of the ingest batch does not validate as a chained event; `details.index` is its place in `records` and `details.errors` lists each field, rule and message. Nothing of the batch was stored.',
  },
  INGEST_BATCH_INVALID: {
    status: 400,
    doc: 'The batch is malformed: a record names another device or stream than the batch, or the seqs are not contiguous and increasing; `details.index` and `details.field` name the first offender.',
  },
  INGEST_BATCH_TOO_LARGE: {
    status: 413,
    doc: 'The batch holds more records or canonical bytes than `ingest.maxBatchRecords` / `ingest.maxBatchBytes`; split it.',
  },
  INGEST_FORK: {
    status: 409,
    doc: 'A record has a seq the collector already holds (or the next one) but a chain that differs from the stored head: the stream forked. Refused and logged as `log_integrity_fail` (kind forked).',
  },
  INGEST_CHAIN_BROKEN: {
    status: 409,
    doc: 'Inside the batch a record’s `prev` is not the chain hash of the record before it: a record was modified or replaced. Refused and logged as `log_integrity_fail` (kind modified).',
  },
  INGEST_GAP_UNANCHORED: {
    status: 409,
    doc: 'The batch lies inside an open gap of the stream and reaches neither its first seq nor its last, so nothing stored vouches for it yet; nothing was stored. Send the gap’s records from its first seq, or up to its last (`details.gap` is the gap, half-open).',
  },
  INGEST_RATE_LIMITED: {
    status: 429,
    doc: 'The device sent more records than `ingest.perDeviceRatePerSec` allows; nothing of the batch was stored. Retry after `details.retryAfterMs`.',
  },
  INGEST_STREAM_RESERVED: {
    status: 400,
    doc: 'The batch names a stream id the collector chains itself (`passthrough/…` for foreign records, `collector.…` for its own events); a device stream needs another id (the agent uses a UUID). Nothing was stored.',
  },
  AUTH_TOKEN_MISSING: { status: 401, doc: 'The request has no `Authorization: Bearer <token>` header.' },
  AUTH_TOKEN_INVALID: { status: 401, doc: 'The bearer token is malformed, of the wrong kind (device vs API), unknown, or revoked.' },
  AUTH_DEVICE_REVOKED: {
    status: 401,
    doc: 'The device token belongs to a revoked device; the refusal is recorded in the collector’s own stream. Re-enrol the device.',
  },
  AUTH_DEVICE_MISMATCH: {
    status: 403,
    doc: 'The batch names another device than the one its token was issued to; the refusal is recorded in the collector’s own stream.',
  },
  AUTH_ROLE_FORBIDDEN: {
    status: 403,
    doc: 'The API token’s role may not use this endpoint (`details.required` lists the roles that may).',
  },
  HTTP_BODY_INVALID: {
    status: 400,
    doc: 'The request body is not valid JSON, not valid gzip, or does not match the route’s schema; `details` names the field.',
  },
  HTTP_BODY_TOO_LARGE: { status: 413, doc: 'The request body (after gzip decoding) exceeds `http.bodyLimitBytes`.' },
  HTTP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    doc: 'The body’s Content-Type or Content-Encoding is not accepted (JSON, optionally gzip, is).',
  },
  HTTP_QUERY_INVALID: {
    status: 400,
    doc: 'A query parameter is missing or out of range (for proofs: index < size ≤ tree size, from ≤ to ≤ tree size).',
  },
  HTTP_NOT_FOUND: { status: 404, doc: 'No such route or resource (for the checkpoint: none has been signed yet).' },
  HTTP_SHUTTING_DOWN: { status: 503, doc: 'The collector is shutting down and takes no new batches; retry against it once it is back.' },
  HTTP_INTERNAL: { status: 500, doc: 'An unexpected failure inside the collector; nothing of the request was acknowledged. Retry.' },
  ENROL_ID_INVALID: {
    status: 400,
    doc: 'A device id must be 1–128 characters of letters, digits and `._:-`, and `collector` is reserved for the collector’s own stream.',
  },
  ENROL_DEVICE_EXISTS: { status: 409, doc: 'A device with this id is already enrolled (revoked devices keep their id).' },
  ENROL_DEVICE_UNKNOWN: { status: 404, doc: 'No device with this id is enrolled.' },
  VERIFY_INPUT_INVALID: {
    status: 400,
    doc: 'What `seclog verify` was asked to check cannot be read as such: no data directory or database at the path, a schema this seclog does not read, no log verifier key, a pinned key that is malformed, a bundle file that cannot be opened. A usage or I/O error (exit 2), not an integrity finding.',
  },
  EXPORT_OPTIONS_INVALID: {
    status: 400,
    doc: 'An export cannot be made as asked: an unknown format, a time that is not RFC 3339, a data directory without a signed checkpoint to prove a bundle against; `details` names the option.',
  },
  STORE_QUERY_INVALID: {
    status: 400,
    doc: 'An event query handed to the store is malformed (a bound that is not a safe integer, a limit below 1, an empty filter string); `details.field` names it.',
  },
  QUERY_EVENT_NOT_FOUND: {
    status: 404,
    doc: 'No stored event has this id (`GET /api/v1/events/:id`); the lookup is still recorded as `log_access`.',
  },
  QUERY_AUDIT_FAILED: {
    status: 503,
    doc: 'The `log_access` record of a query, event view or tail could not be committed, so nothing was returned (no read of the log goes unrecorded). Retry; if it persists, check the collector’s storage.',
  },
  QUERY_TAIL_TOO_SLOW: {
    status: 503,
    doc: 'Sent as the last `error` event of a live tail whose client fell more than `details.maxLag` events behind while not reading; reconnect with `Last-Event-ID` (`details.lastEventId`) to resume where it stopped.',
  },
  COMPLIANCE_PDF_UNAVAILABLE: {
    status: 503,
    doc: 'PDF documentation (`seclog docs --format pdf`, `GET /api/v1/compliance/docs?format=pdf`) needs headless Chromium, which is not installed on the collector host: `apt-get install chromium`, or set `SECLOG_CHROMIUM` to its path. The md and html formats work without it.',
  },
  COMPLIANCE_PDF_FAILED: {
    status: 500,
    doc: 'Chromium ran but did not print the documentation to PDF (crashed, timed out after 60 s, or wrote no PDF); the message carries the end of its error output. Nothing was recorded as generated.',
  },
  // users, sessions and sign-in (G item 1): add codes below this line
  STORE_USER_EXISTS: { status: 409, doc: 'A user of this name exists already.' },
  USER_NAME_INVALID: {
    status: 400,
    doc: 'A user name must be 1–64 characters: letters, digits and . _ @ -, starting with a letter or digit.',
  },
  USER_PASSWORD_WEAK: {
    status: 400,
    doc: 'A password must be 12–1,024 characters (UTF-8 bytes at most 1,024) and not a user name; `details.rule` says which rule failed.',
  },
  USER_NOT_FOUND: { status: 404, doc: 'No user has this name.' },
  USER_ROLE_INVALID: { status: 400, doc: 'A user role is one of admin, analyst, auditor.' },
  AUTH_LOGIN_FAILED: {
    status: 401,
    doc: 'The user name or password is wrong, or the account is disabled. The answer does not say which (the collector’s own log does).',
  },
  AUTH_ACCOUNT_LOCKED: {
    status: 423,
    doc: 'Too many failed logins: the account refuses every password until `details.lockedUntil` (RFC 3339). An administrator can unlock it earlier (`seclog user unlock`).',
  },
  AUTH_LOGIN_RATE_LIMITED: {
    status: 429,
    doc: 'Too many login attempts from this address; `details.retryAfterSeconds` (also in Retry-After) says when to try again.',
  },
  AUTH_SESSION_INVALID: { status: 401, doc: 'The session cookie is unknown, expired, or its user was disabled; sign in again.' },
  AUTH_CSRF_FAILED: {
    status: 403,
    doc: 'A state-changing request authenticated by the session cookie did not carry the session’s CSRF token in `X-CSRF-Token` (bearer tokens need none).',
  },
  // periodic reviews (G item 6): add codes below this line
  STORE_REVIEW_EXISTS: {
    status: 409,
    doc: 'A review with this id, or a review of the same period of the same schedule, exists already; `GET /api/v1/reviews` lists them.',
  },
  REVIEW_NOT_FOUND: { status: 404, doc: 'No review has this id.' },
  REVIEW_PERIOD_INVALID: {
    status: 400,
    doc: 'A review period must be two RFC 3339 times, start before end, at most 366 days long, and over by now; `details.field` names the bound at fault.',
  },
  REVIEW_SCHEDULE_UNKNOWN: {
    status: 400,
    doc: 'No schedule of this name is configured (`reviews.schedules` in seclog.yaml), or it has no period that has ended yet.',
  },
  REVIEW_SIGNED: {
    status: 409,
    doc: 'The review is signed: its evidence and findings are frozen (the signature binds them). Start a new review to record more.',
  },
  REVIEW_CHANGED: {
    status: 409,
    doc: 'The review changed (a finding was added or the evidence collected again) while it was being signed; nothing was signed. Look at it again and sign.',
  },
  REVIEW_NOT_SIGNED: { status: 409, doc: 'Only a signed review can be approved.' },
  REVIEW_APPROVAL_REFUSED: {
    status: 409,
    doc: 'The review is approved already, or the approver is the person who signed it (approval needs a second person); `details.reason` says which.',
  },
  REVIEW_FINDING_INVALID: {
    status: 400,
    doc: 'A finding needs text (1–4,000 characters), a severity (info, low, medium, high, critical) and, optionally, ids of stored alerts; `details.field` names what is wrong.',
  },
  REVIEW_REVIEWER_INVALID: {
    status: 400,
    doc: 'The reviewer named (`seclog review --as <user>`) is not an enabled user with the analyst or admin role.',
  },
  REVIEW_NO_CHECKPOINT: {
    status: 409,
    doc: 'No signed checkpoint exists yet, so there is no tree state for the review to name; wait a checkpoint interval (or start the collector once) and sign again.',
  },
  REVIEW_SIGNER_UNAVAILABLE: {
    status: 503,
    doc: 'This collector app was built without the log key, so it cannot sign reviews (library use); the collector started by `seclog serve` always has it.',
  },
  REVIEW_AUDIT_FAILED: {
    status: 503,
    doc: 'The review was signed (or approved) and stored, but its record could not be appended to the log yet; the collector appends it on its next review tick. Check the collector’s storage.',
  },
  REVIEW_CONFIG_INVALID: {
    status: 500,
    doc: 'A `reviews.schedules` entry is inconsistent (`days` missing for `every: days`, a bad `anchor`, two schedules of one name); `details.errors` names each key.',
  },
  // notifications (F item 5)
  NOTIFY_NOTICE_INVALID: {
    status: 500,
    doc: 'An alert handed to the notifier lacks a field a notification needs or has one of the wrong type; `details.errors` lists each as `{path, message}`. Nothing was queued.',
  },
  // storage: PostgreSQL (I)
  STORE_PG_UNAVAILABLE: {
    status: 503,
    doc: 'The PostgreSQL server could not be reached, refused the connection, or dropped it; `details.reason` says which. A transaction that was open is lost (nothing of it committed unless its COMMIT had been answered).',
  },
  STORE_PG_TIMEOUT: {
    status: 503,
    doc: 'A PostgreSQL statement ran past the statement timeout and the server cancelled it (`details.sqlState` 57014; a lock wait counts; the store stays usable), or a call got no answer from the connection thread within `details.timeoutMs` (the server or the thread hangs; the store is closed, open a new one).',
  },
  STORE_PG_FAILED: {
    status: 500,
    doc: 'PostgreSQL refused a statement of the store; `details.sqlState` is its SQLSTATE and `details.statement` the first words of the SQL.',
  },
  STORE_CLOSED: { status: 503, doc: 'The store was closed (or broken by an earlier timeout) and takes no more calls.' },
  CLUSTER_LEASE_LOST: {
    status: 503,
    doc: 'A collector sharing a PostgreSQL database tried to write the Merkle tree or a checkpoint without holding the integrator lease (another node took it over), or the stored tree no longer matched its own; the write was rolled back and the node follows from then on (docs/scaling.md).',
  },
  MIGRATE_TARGET_NOT_EMPTY: {
    status: 409,
    doc: '`seclog migrate` refuses a target database that already holds events, devices, tokens, users or a tree; `details.table` names the first table with rows. Migrate into a new, empty database.',
  },
  MIGRATE_MISMATCH: {
    status: 500,
    doc: '`seclog migrate` copied the store but the target does not match the source (`details.what`: event count, tree size, a root or a checkpoint); the target is left as it is for inspection and must not be used.',
  },
  // agent (D): add codes below this line
  AGENT_TIME_CONFIG_INVALID: {
    status: 500,
    doc: 'The agent’s time settings are invalid (a server that is not `host`, `host:port` or `[ipv6]:port`, a poll interval under 15 s …); `details.errors` lists each as `{path, rule, message}`.',
  },
  AGENT_SHIP_OPTIONS_INVALID: {
    status: 500,
    doc: 'The shipper’s settings are invalid: a collector URL that is not http(s), plain http to a non-loopback host without `allowInsecureHttp`, a malformed pinned fingerprint, a limit out of range; `details.errors` lists each.',
  },
  AGENT_SHIPPER_CLOSED: {
    status: 503,
    doc: 'The shipper was closed while a `flush()` still waited; the records stay in the device store and ship after the next start.',
  },
  AGENT_FLUSH_TIMEOUT: {
    status: 504,
    doc: '`flush({ timeoutMs })` ran out before the collector acknowledged everything; `details` gives the target seq, the acknowledged mark and the last error. Nothing is lost: shipping goes on.',
  },
  AGENT_PROFILE_INVALID: {
    status: 500,
    doc: 'The profile name is not `low` or `high`, or an override is unknown, out of range, or fixed at enrolment (the seal epoch); `details.errors` lists each as `{key, rule, message}`.',
  },
  AGENT_EVENT_MANDATORY: {
    status: 400,
    doc: 'The opt-out named events that are mandatory (authentication, account and access-control changes, configuration, updates, faults, keys, enrolment, logging); nothing was switched off. `details.names` lists them, `details.optional` what may be switched off.',
  },
  AGENT_API_CONFLICT: {
    status: 500,
    doc: 'Installing the typed event methods would shadow a property the target already has; `details.names` lists them.',
  },
  AGENT_RING_CONFIG_INVALID: {
    status: 500,
    doc: 'The ring store’s options are invalid (a capacity outside 1 KiB–1 TiB, a record limit outside 1 B–1 MiB); `details.path` names the option.',
  },
  AGENT_RING_RECORD_TOO_LARGE: {
    status: 413,
    doc: 'A record is larger than the ring accepts (`details.maxBytes`: the configured record limit, at most the capacity minus the 28-byte frame header). Nothing was written.',
  },
  AGENT_RING_SEQ_ORDER: {
    status: 500,
    doc: 'A record was appended with a seq below the ring’s next seq (`details.nextSeq`): seqs never go backwards, also across restarts. A programming error of the caller; `reset()` starts a new stream.',
  },
  AGENT_RING_STATE_TOO_LARGE: {
    status: 500,
    doc: 'The application state given to the ring is larger than a state slot holds (`details.maxBytes`, 3,072 bytes).',
  },
  AGENT_RING_IO: {
    status: 500,
    doc: 'The ring file could not be opened, created or synced (`details.errno`). Damage inside the file is never this error: it is repaired and reported at open.',
  },
  AGENT_RING_CLOSED: {
    status: 503,
    doc: 'The ring store was used after close(), or closed before a record waiting for durability was synced.',
  },
  AGENT_LOGGER_CONFIG_INVALID: {
    status: 500,
    doc: 'The `SecurityLogger` configuration is invalid (the device file fields, `store`, `fw`/`model`, the seal policy, a local option); `details.errors` lists each as `{path, rule, message}`.',
  },
  AGENT_LOGGER_CLOSED: {
    status: 503,
    doc: 'An event was logged after `close()` began, or `flush()` was called on a closed logger. A programming error of the caller; nothing was recorded.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SeclogError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeclogError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }

  /** The HTTP body shape of DESIGN.md §6. */
  toJSON(): { error: { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** Cross-package check: compare codes, not classes (two copies of core may be loaded). */
export function isSeclogError(err: unknown, code?: ErrorCode): err is SeclogError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in ERROR_CODES)) return false;
  return code === undefined || c === code;
}
