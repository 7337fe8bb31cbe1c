/**
 * The mapping table of the generated documentation: each requirement the
 * logging section answers, summarised in our own words (the standards'
 * texts are copyrighted and only partly public; none is quoted beyond the
 * short phrases the security-logging guide itself quotes), the seclog
 * feature that meets it and where the evidence is. `check` names the
 * checklist item whose live result the table shows beside the requirement.
 */
import type { CheckItemId } from './check.js';

export interface RequirementMapping {
  readonly ref: string;
  /** What it asks, one line, our summary. */
  readonly asks: string;
  readonly feature: string;
  /** Where in this document (and the installation) the evidence is. */
  readonly evidence: string;
  readonly check?: CheckItemId;
}

export const REQUIREMENT_MAPPINGS: readonly RequirementMapping[] = [
  {
    ref: 'CRA Annex I Part I §1(2)(l)',
    asks: 'Record and/or monitor relevant internal activity (access to or modification of data, services or functions) to provide security-related information; log security-relevant events by default, with a user opt-out.',
    feature:
      'Catalogue of security events emitted by the device SDK by default; mandatory groups cannot be switched off; an opt-out of the others is itself logged (log_config_change).',
    evidence: 'Section 1 (events, counts per event in the window); check item "critical events logged".',
    check: 'critical_events',
  },
  {
    ref: 'BSI TR-03183-1 REQ_ER 13',
    asks: 'Summary: the product can create logs of security-relevant events.',
    feature: 'Same catalogue and SDK; every catalogue event is linked to this requirement.',
    evidence: 'Section 1; check item "critical events logged".',
    check: 'critical_events',
  },
  {
    ref: 'IEC 62443-4-2 CR 2.8 (auditable events)',
    asks: 'Generate audit records for access control, request errors, control system events, backup and restore, configuration changes and audit log events, each with time, source, category, type, event id and result.',
    feature:
      'Each catalogue event names its CR 2.8 category; every record carries time, device, name, outcome, severity and id (docs/record.md).',
    evidence: 'Section 1, column "IEC 62443-4-2 CR 2.8 category".',
    check: 'critical_events',
  },
  {
    ref: 'IEC 62443-4-2 CR 2.9 (audit storage capacity)',
    asks: 'Allocate enough storage for audit records and (RE 1) warn before the capacity is reached.',
    feature:
      'Device ring with log_storage_low and log_dropped records; collector free-space watch; retention policies and device horizons where configured.',
    evidence: 'Section 4; check item "sufficient storage".',
    check: 'storage',
  },
  {
    ref: 'IEC 62443-4-2 CR 2.10 (response to audit processing failures)',
    asks: 'Alert on audit processing failures and respond to them appropriately instead of losing records silently.',
    feature:
      'Loss is data: dropped ranges, gaps, corrupt regions and integrity failures are logged events that detection rules alert on; ingest refusals are explicit.',
    evidence: 'Sections 2 and 5 (integrity failures, open gaps, rules); check item "log integrity".',
    check: 'integrity',
  },
  {
    ref: 'IEC 62443-4-2 CR 2.11 (timestamps)',
    asks: 'Time-stamp audit records, from a synchronised time source where the requirement level asks for it.',
    feature:
      'Device wall-clock time with time quality (tq: synced, source, accuracy) on every record; the collector adds its receive time.',
    evidence: 'Section 3 (measured share of synchronised records); check item "accurate timestamps".',
    check: 'timestamps',
  },
  {
    ref: 'IEC 62443-4-2 CR 2.12 (non-repudiation)',
    asks: 'Be able to attribute actions to the human user who performed them, so the user cannot deny them.',
    feature:
      'Actor fields on every record; per-device tokens and forward-secure seal keys bind records to their device; signed checkpoints bind the log.',
    evidence: 'Sections 1 (required actor fields, docs/events.md) and 2 (chain, seals, checkpoints).',
  },
  {
    ref: 'IEC 62443-4-2 CR 3.9 (protection of audit information)',
    asks: 'Protect audit information and tools from unauthorised access, modification and deletion.',
    feature:
      'Hash chain and forward-secure seals on the device; append-only Merkle log with signed checkpoints; role-based access; every read recorded as log_access.',
    evidence: 'Section 2; check item "log integrity".',
    check: 'integrity',
  },
  {
    ref: 'IEC 62443-4-2 CR 6.1 (audit log accessibility)',
    asks: 'Let authorised people and tools read the audit logs (RE 1: programmatically).',
    feature:
      'Query API, live tail, dashboard and exports (OCSF, ECS, CEF, syslog, verifiable bundles) for the admin, analyst and auditor roles.',
    evidence: 'Section 2 (access and reads); docs/query.md, docs/export-verify.md.',
  },
  {
    ref: 'IEC 62443-4-2 CR 6.2 (continuous monitoring)',
    asks: 'Monitor security continuously so that breaches are detected and reported in time.',
    feature: 'Streaming detection (Sigma rules) on the integrated log, alerts with triage and notification; periodic reviews.',
    evidence: 'Sections 5 and 6; check item "log analysis process".',
    check: 'analysis',
  },
  {
    ref: 'ETSI EN 303 645 provision 5.10 (examine system telemetry data)',
    asks: 'Summary: where telemetry is collected from devices and services, examine it for security anomalies.',
    feature: 'Device security events streamed to the collector and evaluated by detection rules; alerts and reviews.',
    evidence: 'Sections 5 and 6; check item "log analysis process".',
    check: 'analysis',
  },
];
