/** Enrolment events: the device joining or leaving its management domain. */
import type { CatalogueEntry } from '../types.js';

const entityManagement = { categoryUid: 3, categoryName: 'Identity & Access Management', classUid: 3004, className: 'Entity Management' };

const service = {
  type: 'string',
  required: false,
  description: 'Service enrolled with: collector, fleet or cloud service, as host name or URL without credentials.',
} as const;
const tenant = { type: 'string', required: false, description: 'Owner, site or tenant the device belongs to.' } as const;

export const ENROLMENT_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'device_enrolled',
    title: 'Device enrolled',
    when: 'The device joined a management domain and received its operational identity: enrolled with the collector or a fleet or cloud service, or claimed by an owner. Emit it on the device once the identity is stored, and on the collector when it accepts the device.',
    group: 'enrolment',
    origin: 'any',
    defaultSeverity: 'low',
    defaultOutcome: 'success',
    mandatory: true,
    critical: true,
    sdkMethod: 'deviceEnrolled',
    requiredFields: [],
    attrs: {
      method: { type: 'string', required: true, description: 'How: est, scep, token, qr_code, zero_touch, manual, other.' },
      service,
      identity: { type: 'string', required: false, description: 'Operational identity issued, e.g. certificate subject or device name.' },
      cert_fingerprint: {
        type: 'string',
        required: false,
        format: 'sha256-hex',
        description: 'SHA-256 of the issued device certificate (DER), 64 lowercase hex digits.',
      },
      tenant,
    },
    ocsf: { ...entityManagement, activityId: 6, activityName: 'Enroll' },
    ecs: { kind: 'event', category: ['iam'], type: ['admin', 'creation'] },
    requirements: { iec62443: 'configuration changes', en304621: ['enrolment'], en303645: [] },
    example: {
      actor: { process: 'enrol-client' },
      attrs: {
        method: 'est',
        service: 'https://enrol.example.com/.well-known/est',
        identity: 'CN=gw-0042,O=Example Devices GmbH',
        cert_fingerprint: '5c4200c8a7b6ff9e78145e881517e7aee2bd7ee7e5f1ddeeedfe43489fb36161',
        tenant: 'plant-linz',
      },
    },
  },
  {
    name: 'device_unenrolled',
    title: 'Device unenrolled',
    when: 'The device left its management domain: released by the owner or an administrator, decommissioned, transferred to a new owner, or its enrolment revoked by the service. Emit it before the operational identity is deleted.',
    group: 'enrolment',
    origin: 'any',
    defaultSeverity: 'medium',
    defaultOutcome: 'success',
    mandatory: true,
    critical: true,
    sdkMethod: 'deviceUnenrolled',
    requiredFields: [],
    attrs: {
      reason: {
        type: 'string',
        required: true,
        description: 'Why: user, admin, decommission, ownership_transfer, factory_reset, revoked, other.',
      },
      service,
      tenant,
    },
    ocsf: { ...entityManagement, activityId: 7, activityName: 'Unenroll' },
    ecs: { kind: 'event', category: ['iam'], type: ['admin', 'deletion'] },
    requirements: { iec62443: 'configuration changes', en304621: ['enrolment'], en303645: [] },
    example: {
      actor: { user: 'fleet.admin', ip: '203.0.113.40' },
      attrs: { reason: 'ownership_transfer', service: 'mqtts://fleet.example.com', tenant: 'plant-linz' },
    },
  },
];
