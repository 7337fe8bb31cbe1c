/**
 * @seclog/agent: the device SDK. Issue D adds the logger, ring store, seals,
 * time quality and shipper. The risk profiles live in core, because the
 * collector's enrolment fixes the seal policy from them too.
 */

export type { ProfileDefaults, ProfileName } from '@seclog/core';
export { isProfileName, PROFILES } from '@seclog/core';
// typed API: one method per catalogue event (docs/agent.md)
export { fillAgentDoc, renderAgentDocRegions, renderTypedMethodsTable } from './api/agent-doc.js';
export type { CommonEventFields, RecordFields, TypedEvents, TypedMethodName } from './api/event-methods.generated.js';
export type { FieldSlot, TypedField } from './api/field-names.js';
export { typedFieldsOf } from './api/field-names.js';
export { renderTypedEventsSource } from './api/render-types.js';
export type { EventCall, FieldsOf, TypedMethod } from './api/typed-methods.js';
export { buildEventInput, hasTypedMethod, installTypedEvents, typedMethod, typedMethods } from './api/typed-methods.js';
// the logger: SecurityLogger.open(config) (docs/agent.md)
export type {
  DeviceFileFields,
  LoggerConfig,
  LoggerLocalOptions,
  LoggerShipOptions,
  LoggerTimeOptions,
} from './logger/logger-config.js';
export type { CloseOptions, LoggerStatus, Receipt } from './logger/logger-types.js';
export { RingShipSource } from './logger/ring-source.js';
export { SecurityLogger } from './logger/security-logger.js';
// policy: event classes, the user opt-out, profile overrides
export type { EventClass } from './policy/event-class.js';
export {
  CRITICAL_GROUPS,
  classOfEntry,
  eventClass,
  isAppEvent,
  LOGGER_OWN_EVENTS,
  MANDATORY_GROUPS,
  shipsAtOnce,
} from './policy/event-class.js';
export type { ChangedBy, LogConfigChange, OptOutResult } from './policy/opt-out.js';
export { isEventEnabled, optIn, optionalEventNames, optOut } from './policy/opt-out.js';
export type { ProfileIssue, ProfileOverrides } from './policy/profile-settings.js';
export { resolveProfile } from './policy/profile-settings.js';
// ring store: the device's local record, a fixed-size file (docs/agent-ring.md)
export type { LatencyMs, RingBenchOptions, RingBenchResult } from './ring/ring-bench.js';
export { measureRingStore } from './ring/ring-bench.js';
export { RingStore } from './ring/ring-store.js';
export type {
  AppendResult,
  CorruptRange,
  DropReport,
  ReadOptions,
  RecoveryReport,
  RingBatch,
  RingOptions,
  RingRecord,
  RingStats,
  SeqRange,
} from './ring/ring-types.js';
export { RING_MAX_STATE_BYTES } from './ring/slot.js';
export { StorageLevelWatch } from './ring/storage-level.js';
// shipping to the collector over HTTP(S)
export { MemoryShipSource } from './ship/memory-source.js';
export type { ShipProfile, ShipperOptions } from './ship/options.js';
export { SHIPPER_DEFAULTS } from './ship/options.js';
export type { ShipReport } from './ship/reports.js';
export { shipReportEvent } from './ship/reports.js';
export type { ShipState, ShipStatus } from './ship/shipper.js';
export { createShipper, Shipper } from './ship/shipper.js';
export type { ShipSource, SourceRecord } from './ship/source.js';
export type { TlsPinOptions } from './ship/tls-pin.js';
export { normalizeFingerprint } from './ship/tls-pin.js';
export type { HttpAnswer, HttpTransportOptions, Transport } from './ship/transport.js';
export { createHttpTransport } from './ship/transport.js';
// the other transports: MQTT through a broker, RFC 5425 syslog over TLS (docs/agent.md "Transports")
export type { MqttShipOptions, SyslogTlsShipOptions, TransportKind } from './ship/transport-options.js';
// time quality: SNTP client and the tq tracker (docs/agent-time.md)
export type { OffsetSelection } from './time/select-offset.js';
export type { ServerAddress } from './time/sntp/server-address.js';
export { parseServerAddress } from './time/sntp/server-address.js';
export type { ServerEstimate, ServerPoll, ServerPollOptions } from './time/sntp/sntp-poll.js';
export { pollServer } from './time/sntp/sntp-poll.js';
export type { SntpSample } from './time/sntp/sntp-query.js';
export type { RejectReason, SntpRejection } from './time/sntp/sntp-reply.js';
export type { TimeEventListener, TimeEventName } from './time/time-events.js';
export type { TimeSettings } from './time/time-options.js';
export { MIN_POLL_MS, TIME_DEFAULTS } from './time/time-options.js';
export type { PollListener, PollReport, ServerStatus, SntpPoller, TimeQualityOptions, TimeStatus } from './time/time-quality-tracker.js';
export { TimeQualityTracker } from './time/time-quality-tracker.js';
