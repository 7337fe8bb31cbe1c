/**
 * @seclog/collector: the server. Configuration, first-run keys and storage
 * are here; ingest, the integrator, query and export follow (issue C).
 */

// users, sign-in and sessions (issue G item 1)
export type { Principal } from './auth/principal.js';
export { principalActor, principalLabel } from './auth/principal.js';
export type { ActiveSession, NewSession, SignInOptions } from './auth/sign-in.js';
export { csrfTokenOf, SignIn } from './auth/sign-in.js';
export type { ChangedBy } from './auth/users.js';
export {
  addUser,
  checkUserName,
  generatePassword,
  listUsers,
  setUserDisabled,
  setUserPassword,
  setUserRole,
  USER_ROLES,
  unlockUser,
} from './auth/users.js';
// several collectors on one database (issue I item 2)
export type { ClusterRole, LeaseTimings } from './cluster/lease-keeper.js';
export { LEASE_DEFAULTS, LeaseKeeper } from './cluster/lease-keeper.js';
// compliance: the guide's checklist from the live state (issue G item 7)
export type { CheckInput, CheckItem, CheckItemId, CheckReport } from './compliance/check.js';
export { detectionOf, runComplianceCheck } from './compliance/check.js';
export { rulesInForce } from './compliance/docs-model.js';
export { findChromium } from './compliance/docs-pdf.js';
export type { DocsFormat, DocsRecord } from './compliance/docs-record.js';
export { DOCS_FORMATS, documentationDigest, readDocsRecord } from './compliance/docs-record.js';
export type { DocsReader, DocsRequest, GeneratedDocs } from './compliance/generate-docs.js';
export { generateComplianceDocs } from './compliance/generate-docs.js';
export { SECLOG_VERSION } from './compliance/version.js';
export { CONFIG_DEFAULTS } from './config/defaults.js';
export { renderConfigurationMarkdown } from './config/docs.js';
export type { ConfigIssue } from './config/issues.js';
export { CONFIG_LEAVES, envVarFor } from './config/key-paths.js';
export type { ConfigFlags, LoadConfigOptions } from './config/load.js';
export { DEFAULT_CONFIG_FILE, loadConfig, readConfigFile } from './config/load.js';
export type { CollectorConfig, LogLevel, NotifyChannelConfig, NotifyConfig, TlsConfig } from './config/schema.js';
export { CollectorConfigSchema, LOG_LEVELS } from './config/schema.js';
// defaults and configuration
export { COLLECTOR_DEFAULTS, isLoopbackHost } from './defaults.js';
// detection: rules, alerts and triage in the collector (issue F items 2, 4)
export type { DetectionServiceOptions, DetectionStats } from './detect/detection-service.js';
export { DetectionService } from './detect/detection-service.js';
export type { Detection, OpenDetectionOptions } from './detect/open-detection.js';
export { openDetection } from './detect/open-detection.js';
// enrolment and API tokens (issue C item 2)
export type { DeviceFile, EnrolContext } from './enrol/enrol.js';
export { addDevice, createApiToken, listDevices, ROLES, revokeDevice, sealPolicyOf, tokenHashBytes } from './enrol/enrol.js';
// export (issue C item 7)
export type { ExportFormat, ExportOptions, ExportSummary, ExportTarget } from './export/export-events.js';
export { EXPORT_FORMATS, exportEvents } from './export/export-events.js';
export type { ExportSelection } from './export/selection.js';
// HTTP and the server (issue C items 1, 5)
export type { AppDeps } from './http/app.js';
export { buildApp } from './http/app.js';
export type { DashboardRoutesOptions } from './http/dashboard-routes.js';
export { DASHBOARD_CSP } from './http/dashboard-routes.js';
// ingest (issue C item 3)
export type { Classification, GapFill, IngestBatch, IngestLimits, SeqRange, StreamView } from './ingest/classify.js';
export { classifyBatch } from './ingest/classify.js';
export type { GapAccount } from './ingest/declared-loss.js';
export { accountGaps, unexplainedGaps } from './ingest/declared-loss.js';
export type { CommitObserver, CommitSample, GroupCommitOptions } from './ingest/group-commit.js';
export { GroupCommitter } from './ingest/group-commit.js';
export type { CursorView, IngestAck, IngestServiceOptions } from './ingest/ingest-service.js';
export { IngestService } from './ingest/ingest-service.js';
export { KeyedLock } from './ingest/keyed-lock.js';
export type { OwnEvent } from './ingest/own-stream.js';
export { COLLECTOR_DEVICE_ID, OwnStream, OwnStreamBuilder, ownStreamId } from './ingest/own-stream.js';
// integrator (issue C item 4)
export type { IntegratorOptions } from './integrate/integrator.js';
export { Integrator } from './integrate/integrator.js';
export { storedLeafData, storedLeafHash } from './integrate/leaf-hash.js';
export type { DataDir } from './keys/data-dir.js';
// data directory, log key, tokens
export { initDataDir } from './keys/data-dir.js';
export type { LogKey, LogKeyOptions } from './keys/log-key.js';
export { defaultLogOrigin, LOG_KEY_FILE, LOG_VKEY_FILE, loadOrCreateLogKey } from './keys/log-key.js';
export type { ScryptCost } from './keys/passwords.js';
export { checkPasswordPolicy, DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from './keys/passwords.js';
export type { TokenPrefix } from './keys/secrets.js';
export { constantTimeEqual, hashToken, newToken, TOKEN_PREFIXES, tokenPrefix, verifyToken } from './keys/secrets.js';
// metrics (issue C item 8)
export type { CollectorMetricsOptions } from './metrics/collector-metrics.js';
export { CollectorMetrics } from './metrics/collector-metrics.js';
export type { MetricsAuth } from './metrics/metrics-route.js';
// seclog migrate and verify --db (issue I items 3, 4)
export type { MigratedTable, MigrateOptions, MigrateResult } from './migrate/sqlite-to-pg.js';
export { migrateSqliteToPg } from './migrate/sqlite-to-pg.js';
export { verifyDatabase } from './migrate/verify-db.js';
// MQTT input (issue E item 3, docs/mqtt.md)
export type { MqttConnectSettings } from './mqtt/mqtt-config.js';
export { mqttConfigIssues, mqttConnectSettings } from './mqtt/mqtt-config.js';
export type { MqttIngestLog, MqttIngestOptions, MqttIngestStatus } from './mqtt/mqtt-ingest.js';
export { MqttIngest } from './mqtt/mqtt-ingest.js';
// notifications (issue F item 5)
export type { ChannelContext } from './notify/channels/channel-config.js';
export { createChannels, notifyConfigIssues } from './notify/channels/channel-config.js';
export type { SignatureCheck } from './notify/channels/webhook-signature.js';
export { signWebhook, verifyWebhookSignature } from './notify/channels/webhook-signature.js';
export { DEAD_LETTER_EVENT } from './notify/dead-letters.js';
export { noticeFromAlert } from './notify/notice.js';
export type { NotifierOptions } from './notify/notifier.js';
export { Notifier } from './notify/notifier.js';
export type {
  AlertNotice,
  Channel,
  ChannelType,
  Delivery,
  DeliveryOutcome,
  NotifyLogger,
  NotifyObserver,
  OwnEventSink,
  SendResult,
} from './notify/types.js';
// query and live tail (issue C item 6)
export type { FeedSink, LiveFeedOptions } from './query/live-feed.js';
export { LIVE_FEED_DEFAULTS, LiveFeed } from './query/live-feed.js';
// retention, storage capacity and device horizons (issue G items 4, 5; docs/retention.md)
export type { StorageLevel, StorageSettings, StorageStatus } from './retention/capacity.js';
export { StorageMonitor } from './retention/capacity.js';
export type { DeviceReport } from './retention/device-report.js';
export { DeviceReports, devicesBelowHorizon, reportDevices } from './retention/device-report.js';
export type { RetentionPolicy } from './retention/policy.js';
export { describePolicy, policyOf } from './retention/policy.js';
export type { RetentionRunResult, RetentionTrigger } from './retention/retention-run.js';
export { runRetention } from './retention/retention-run.js';
// periodic reviews (issue G item 6, docs/reviews.md)
export type { ReviewScheduleConfig, ReviewsConfig } from './review/config-schema.js';
export type { ReviewEvidence, StorageEvidence, StorageProvider } from './review/evidence.js';
export { openDataDirReviews, reviewerOfUser } from './review/open-reviews.js';
export { parseTimeUs } from './review/period-input.js';
export type { FindingJson, ReviewDetailJson, ReviewJson } from './review/review-json.js';
export type { NewFindingRequest, Reviewer, ReviewServiceOptions, ScheduleStatus, StartRequest } from './review/review-service.js';
export { ReviewService } from './review/review-service.js';
export type { ReviewVerification } from './review/review-verify.js';
export type { Period, Schedule } from './review/schedule.js';
export { scheduleOf } from './review/schedule.js';
export type { Collector, OpenCollectorOptions } from './server/collector.js';
export { openCollector } from './server/collector.js';
export type { OpenedDataDir } from './server/data-store.js';
export { DB_FILE, ensureFirstAdminToken, openDataDir, withoutPassword } from './server/data-store.js';
export type { Migration, MigrationReport } from './store/migrations.js';
export { runMigrations } from './store/migrations.js';
export type { PgBridgeOptions } from './store/pg/pg-bridge.js';
export { PG_BRIDGE_DEFAULTS, preparePgWorker } from './store/pg/pg-bridge.js';
export type { LeaseState } from './store/pg/pg-lease.js';
export { PgLease } from './store/pg/pg-lease.js';
export type { PgMigration } from './store/pg/pg-migrations.js';
export { PG_MIGRATIONS } from './store/pg/pg-schema.js';
export type { PgSettings, PgStoreOptions } from './store/pg/pg-store.js';
export { openPgStore, PgStore } from './store/pg/pg-store.js';
// storage
export { SQLITE_MIGRATIONS } from './store/sqlite-schema.js';
export type { SqliteSettings, SqliteStoreOptions } from './store/sqlite-store.js';
export { openSqliteStore, SQLITE_STORE_DEFAULTS, SqliteStore } from './store/sqlite-store.js';
export type {
  AlertResolution,
  AlertStatus,
  AlertStore,
  ApiTokenRow,
  BatchWrite,
  DeviceProfile,
  DeviceRow,
  EventPage,
  EventQuery,
  IncomingRecord,
  OutboxCounts,
  OutboxInsert,
  OutboxOutcome,
  OutboxRow,
  OutboxState,
  Role,
  Store,
  StoredAlert,
  StoredAlertTransition,
  StoredCheckpoint,
  StoredEvent,
  StreamCursor,
  StreamGap,
  StreamSeal,
  TransactionOptions,
} from './store/types.js';
// syslog inputs (issue E item 1)
export { UNAUTHENTICATED_DEVICE } from './syslog/attribution.js';
export type { SyslogAddress, SyslogAddresses, SyslogListenersOptions } from './syslog/syslog-listeners.js';
export { SyslogListeners } from './syslog/syslog-listeners.js';
// verify (issue C item 7)
export type { StoreFailure, StoreFailureKind, StoreFailureTarget, StoreSummary, StoreVerification } from './verify/store-result.js';
export type { BundleFileVerification, VerifyBundleFileOptions } from './verify/verify-bundle-file.js';
export { verifyBundleFile } from './verify/verify-bundle-file.js';
export type { StoreTarget, VerifyStoreOptions } from './verify/verify-store.js';
export { verifyDataDir, verifyStore } from './verify/verify-store.js';
