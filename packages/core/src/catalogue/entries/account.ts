/** Account events: accounts created, deleted, and the privileges they hold. */
import type { CatalogueEntry } from '../types.js';

const accountChange = { categoryUid: 3, categoryName: 'Identity & Access Management', classUid: 3001, className: 'Account Change' };
const userAccess = { categoryUid: 3, categoryName: 'Identity & Access Management', classUid: 3005, className: 'User Access Management' };

const iface = { type: 'string', required: false, description: 'Where: web, ssh, console, api, serial, mqtt, ….' } as const;

export const ACCOUNT_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'user_created',
    title: 'Account created',
    when: 'A local user or service account was created on the device or the collector (setup wizard, admin UI, API, provisioning script). Log the initial role so later privilege changes have a baseline.',
    group: 'account',
    origin: 'any',
    defaultSeverity: 'low',
    defaultOutcome: 'success',
    mandatory: true,
    critical: true,
    sdkMethod: 'userCreated',
    requiredFields: ['actor.user', 'target.user'],
    attrs: {
      role: { type: 'string', required: false, description: 'Role or group given at creation, e.g. admin, operator, viewer.' },
      account_type: {
        type: 'string',
        required: false,
        enum: ['human', 'service'],
        description: 'Whether the account is for a person or for a service or machine.',
      },
      interface: iface,
    },
    ocsf: { ...accountChange, activityId: 1, activityName: 'Create' },
    ecs: { kind: 'event', category: ['iam'], type: ['user', 'creation'] },
    requirements: { iec62443: 'access control', en304621: ['privilege and role'], en303645: [] },
    example: {
      actor: { user: 'admin', ip: '198.51.100.7' },
      target: { user: 'tech.mueller' },
      attrs: { role: 'operator', account_type: 'human', interface: 'web' },
    },
  },
  {
    name: 'user_deleted',
    title: 'Account deleted',
    when: 'A user or service account was deleted. Emit it before the account record is removed, so its name and last role are still known.',
    group: 'account',
    origin: 'any',
    defaultSeverity: 'low',
    defaultOutcome: 'success',
    mandatory: true,
    critical: true,
    sdkMethod: 'userDeleted',
    requiredFields: ['actor.user', 'target.user'],
    attrs: {
      role: { type: 'string', required: false, description: 'Role the account held when it was deleted.' },
      account_type: {
        type: 'string',
        required: false,
        enum: ['human', 'service'],
        description: 'Whether the account was for a person or for a service or machine.',
      },
      interface: iface,
    },
    ocsf: { ...accountChange, activityId: 6, activityName: 'Delete' },
    ecs: { kind: 'event', category: ['iam'], type: ['user', 'deletion'] },
    requirements: { iec62443: 'access control', en304621: ['privilege and role'], en303645: [] },
    example: {
      actor: { user: 'admin', ip: '198.51.100.7' },
      target: { user: 'contractor.lee' },
      attrs: { role: 'maintainer', account_type: 'human', interface: 'web' },
    },
  },
  {
    name: 'privilege_change',
    title: 'Privilege changed',
    when: 'A role or permission of an account was granted, revoked or replaced, including group membership that confers rights. Use action change with old_role and new_role for a role switch, grant or revoke with privilege for a single permission.',
    group: 'account',
    origin: 'any',
    defaultSeverity: 'medium',
    defaultOutcome: 'success',
    mandatory: true,
    critical: true,
    sdkMethod: 'privilegeChanged',
    requiredFields: ['actor.user', 'target.user'],
    attrs: {
      action: {
        type: 'string',
        required: true,
        enum: ['grant', 'revoke', 'change'],
        description: 'grant or revoke a privilege, or change the role.',
      },
      privilege: {
        type: 'string',
        required: false,
        description: 'Permission, role or group granted or revoked, e.g. config:write, admin.',
      },
      old_role: { type: 'string', required: false, description: 'Role before the change.' },
      new_role: { type: 'string', required: false, description: 'Role after the change.' },
      interface: iface,
    },
    ocsf: { ...userAccess, activityId: 99, activityName: 'Other' },
    ecs: { kind: 'event', category: ['iam'], type: ['user', 'change'] },
    requirements: { iec62443: 'access control', en304621: ['privilege and role'], en303645: [] },
    example: {
      actor: { user: 'admin', ip: '198.51.100.7' },
      target: { user: 'tech.mueller' },
      attrs: { action: 'change', old_role: 'viewer', new_role: 'operator', interface: 'web' },
      message: 'tech.mueller promoted from viewer to operator',
    },
  },
];
