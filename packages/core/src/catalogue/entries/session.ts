/** Session events: when an authenticated session begins and ends, and why. */
import type { CatalogueEntry } from '../types.js';

const authentication = { categoryUid: 3, categoryName: 'Identity & Access Management', classUid: 3002, className: 'Authentication' };

const source = {
  type: 'string',
  required: true,
  description: 'Where the session runs: web, ssh, console, api, serial, ble, app, remote_support, other.',
} as const;

export const SESSION_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'session_start',
    title: 'Session started',
    when: 'An interactive or API session was established after authentication (web UI session, SSH shell, serial console, remote-support tunnel). Put the session identifier in actor.session: it is stored hashed, so the start and end of a session correlate.',
    group: 'session',
    origin: 'any',
    defaultSeverity: 'info',
    defaultOutcome: 'success',
    mandatory: false,
    critical: false,
    sdkMethod: 'sessionStarted',
    requiredFields: ['actor.user'],
    attrs: {
      source,
      role: { type: 'string', required: false, description: 'Role the session runs with, e.g. admin, operator, viewer.' },
      idle_timeout_seconds: {
        type: 'integer',
        required: false,
        minimum: 0,
        description: 'Idle timeout applied to the session, in seconds; 0 means none.',
      },
    },
    ocsf: { ...authentication, activityId: 1, activityName: 'Logon' },
    ecs: { kind: 'event', category: ['session'], type: ['start'] },
    requirements: { iec62443: 'access control', en304621: ['sessions'], en303645: [] },
    example: {
      actor: { user: 'maintainer', ip: '198.51.100.23', port: 50412 },
      attrs: { source: 'web', role: 'operator', idle_timeout_seconds: 900 },
    },
  },
  {
    name: 'session_end',
    title: 'Session ended',
    when: 'A session ended for any reason: logout, idle or absolute timeout, terminated by an administrator, connection lost, replaced by a newer login, shutdown. Give the same actor.session as the matching session_start.',
    group: 'session',
    origin: 'any',
    defaultSeverity: 'info',
    defaultOutcome: 'success',
    mandatory: false,
    critical: false,
    sdkMethod: 'sessionEnded',
    requiredFields: ['actor.user'],
    attrs: {
      source,
      reason: {
        type: 'string',
        required: true,
        enum: ['logout', 'idle_timeout', 'absolute_timeout', 'admin_terminated', 'connection_lost', 'replaced', 'shutdown', 'other'],
        description: 'Why the session ended.',
      },
      duration_seconds: { type: 'integer', required: false, minimum: 0, description: 'How long the session lasted, in seconds.' },
    },
    ocsf: { ...authentication, activityId: 2, activityName: 'Logoff' },
    ecs: { kind: 'event', category: ['session'], type: ['end'] },
    requirements: { iec62443: 'access control', en304621: ['sessions'], en303645: [] },
    example: {
      actor: { user: 'maintainer', ip: '198.51.100.23', port: 50412 },
      attrs: { source: 'web', reason: 'idle_timeout', duration_seconds: 1834 },
    },
  },
];
