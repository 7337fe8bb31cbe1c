/** Time events: the clock set or jumping, and synchronisation lost or regained. */
import type { CatalogueEntry } from '../types.js';

const deviceConfigStateChange = { categoryUid: 5, categoryName: 'Discovery', classUid: 5019, className: 'Device Config State Change' };

export const TIME_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'time_change',
    title: 'Clock changed',
    when: 'The wall clock was set or stepped by more than the step threshold (e.g. 1 s): set manually or by API, first NTP or GNSS fix after boot, restored from the RTC, large correction. Emit it right after the step, so the record itself carries the new time; slewed corrections are not logged.',
    group: 'time',
    origin: 'any',
    defaultSeverity: 'low',
    defaultOutcome: 'success',
    mandatory: true,
    critical: false,
    sdkMethod: 'timeChanged',
    requiredFields: [],
    attrs: {
      old_time: { type: 'string', required: true, format: 'date-time', description: 'Wall-clock time just before the step (RFC 3339).' },
      new_time: { type: 'string', required: true, format: 'date-time', description: 'Wall-clock time just after the step (RFC 3339).' },
      delta_ms: {
        type: 'integer',
        required: true,
        description: 'new_time minus old_time, in milliseconds; negative when the clock went back.',
      },
      source: {
        type: 'string',
        required: true,
        enum: ['manual', 'ntp', 'gnss', 'ptp', 'rtc', 'network', 'other'],
        description:
          'What set the clock: manual (user or API), ntp, gnss, ptp, rtc (restored at boot), network (cellular NITZ, DHCP), other.',
      },
    },
    ocsf: { ...deviceConfigStateChange, activityId: 1, activityName: 'Log' },
    ecs: { kind: 'event', category: ['host', 'configuration'], type: ['change'] },
    requirements: { iec62443: 'configuration changes', en304621: ['configuration', 'log protection'], en303645: [] },
    example: {
      severity: 'medium',
      actor: { user: 'admin', ip: '198.51.100.7' },
      attrs: { old_time: '2026-11-04T09:12:03.118000Z', new_time: '2026-11-04T08:12:03.120000Z', delta_ms: -3599998, source: 'manual' },
      message: 'clock set back by one hour',
    },
  },
  {
    name: 'time_sync',
    title: 'Time sync lost or regained',
    when: 'The clock lost synchronisation with its time source (no valid NTP, GNSS or PTP answer within the holdover limit) or regained it after a loss. Records stamped in between carry tq.synced false.',
    group: 'time',
    origin: 'any',
    defaultSeverity: 'low',
    defaultOutcome: 'unknown',
    mandatory: false,
    critical: false,
    sdkMethod: 'timeSyncChanged',
    requiredFields: [],
    attrs: {
      state: { type: 'string', required: true, enum: ['lost', 'regained'], description: 'Whether synchronisation was lost or regained.' },
      source: { type: 'string', required: true, enum: ['ntp', 'gnss', 'ptp', 'rtc', 'other'], description: 'Time source concerned.' },
      offset_ms: {
        type: 'integer',
        required: false,
        description: 'Offset measured on regaining sync (reference minus local), in milliseconds.',
      },
      server: { type: 'string', required: false, description: 'Time server or reference used, as host name or IP address.' },
      unsynced_seconds: {
        type: 'integer',
        required: false,
        minimum: 0,
        description: 'How long the clock ran unsynchronised, in seconds (when regained).',
      },
    },
    ocsf: { ...deviceConfigStateChange, activityId: 1, activityName: 'Log' },
    ecs: { kind: 'event', category: ['host'], type: ['change'] },
    requirements: { iec62443: 'control system events', en304621: ['log protection'], en303645: [] },
    example: {
      outcome: 'success',
      attrs: { state: 'regained', source: 'ntp', offset_ms: -412, server: 'ntp1.example.net', unsynced_seconds: 5400 },
    },
  },
];
