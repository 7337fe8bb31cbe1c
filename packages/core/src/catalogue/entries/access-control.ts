/** Access-control events: requests refused, and changes to the rules that decide. */
import type { CatalogueEntry } from '../types.js';

const apiActivity = { categoryUid: 6, categoryName: 'Application Activity', classUid: 6003, className: 'API Activity' };
const entityManagement = { categoryUid: 3, categoryName: 'Identity & Access Management', classUid: 3004, className: 'Entity Management' };

export const ACCESS_CONTROL_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'authz_fail',
    title: 'Access denied',
    when: 'Access control refused a request because the actor lacks the permission for that action on that resource (REST call, CLI command, fieldbus write, file read). Use actor.user "anonymous" for requests that carry no identity.',
    group: 'access_control',
    origin: 'any',
    defaultSeverity: 'medium',
    defaultOutcome: 'failure',
    mandatory: true,
    critical: true,
    sdkMethod: 'accessDenied',
    requiredFields: ['actor.user', 'target.resource'],
    attrs: {
      action: {
        type: 'string',
        required: true,
        description: 'What was attempted: read, write, delete, execute, or the operation name (config.set, firmware.upload).',
      },
      permission: { type: 'string', required: false, description: 'Permission that would have allowed it, e.g. config:write.' },
      role: { type: 'string', required: false, description: 'Role the actor held when refused.' },
      interface: { type: 'string', required: false, description: 'Where: web, ssh, console, api, serial, mqtt, modbus, ….' },
    },
    ocsf: { ...apiActivity, activityId: 99, activityName: 'Other' },
    ecs: { kind: 'event', category: ['api'], type: ['denied'] },
    requirements: { iec62443: 'access control', en304621: ['privilege and role'], en303645: [] },
    example: {
      actor: { user: 'viewer01', ip: '198.51.100.61', port: 51022 },
      target: { resource: '/api/v1/config/network' },
      attrs: { action: 'write', permission: 'config:write', role: 'viewer', interface: 'api' },
      message: 'viewer01 may not write /api/v1/config/network',
    },
  },
  {
    name: 'policy_change',
    title: 'Security policy changed',
    when: 'A security policy was created, updated, enabled, disabled or deleted: access-control rules, password or lockout policy, session limits, allowed-client lists. Name the policy in target.resource; single settings of other kinds are config_change.',
    group: 'access_control',
    origin: 'any',
    defaultSeverity: 'medium',
    defaultOutcome: 'success',
    mandatory: true,
    critical: true,
    sdkMethod: 'policyChanged',
    requiredFields: ['actor.user', 'target.resource'],
    attrs: {
      action: {
        type: 'string',
        required: true,
        enum: ['create', 'update', 'delete', 'enable', 'disable'],
        description: 'What was done to the policy.',
      },
      policy_type: {
        type: 'string',
        required: false,
        description: 'Kind of policy: access_control, password, lockout, session, network_access, other.',
      },
      old_value: {
        type: 'string',
        required: false,
        description: 'Policy before the change, as JSON text or its SHA-256 hex; never secrets.',
      },
      new_value: {
        type: 'string',
        required: false,
        description: 'Policy after the change, as JSON text or its SHA-256 hex; never secrets.',
      },
      version: { type: 'string', required: false, description: 'Revision of the policy after the change.' },
    },
    ocsf: { ...entityManagement, activityId: 3, activityName: 'Update' },
    ecs: { kind: 'event', category: ['configuration', 'iam'], type: ['change'] },
    requirements: { iec62443: 'configuration changes', en304621: ['policy'], en303645: [] },
    example: {
      actor: { user: 'admin', ip: '198.51.100.7' },
      target: { resource: 'lockout_policy' },
      attrs: {
        action: 'update',
        policy_type: 'lockout',
        old_value: '{"max_failures":10,"lock_seconds":60}',
        new_value: '{"max_failures":5,"lock_seconds":900}',
        version: '7',
      },
    },
  },
];
