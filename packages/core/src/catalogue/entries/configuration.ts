/** Configuration events: security-relevant settings changed. */
import type { CatalogueEntry } from '../types.js';

const entityManagement = { categoryUid: 3, categoryName: 'Identity & Access Management', classUid: 3004, className: 'Entity Management' };

export const CONFIGURATION_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'config_change',
    title: 'Configuration changed',
    when: 'A security-relevant setting changed: firewall rule, network or Wi-Fi setting, authentication setting, logging, update channel, time source, crypto setting, enabled services, account defaults. Emit one record per setting, named in target.setting, whether a user, an API client or the device itself changed it.',
    group: 'configuration',
    origin: 'any',
    defaultSeverity: 'low',
    defaultOutcome: 'success',
    mandatory: true,
    critical: true,
    sdkMethod: 'configChanged',
    requiredFields: ['target.setting'],
    attrs: {
      category: {
        type: 'string',
        required: true,
        enum: ['firewall', 'network', 'auth', 'logging', 'update', 'time', 'crypto', 'service', 'user', 'other'],
        description: 'Area of the setting, for filtering and retention.',
      },
      old_value: {
        type: 'string',
        required: false,
        description:
          'Value before the change, as text; when the setting is secret (password, key, token) the SDK stores a keyed hash instead.',
      },
      new_value: {
        type: 'string',
        required: false,
        description:
          'Value after the change, as text; when the setting is secret (password, key, token) the SDK stores a keyed hash instead.',
      },
      interface: { type: 'string', required: false, description: 'Where: web, ssh, console, api, serial, mqtt, ….' },
      change_id: {
        type: 'string',
        required: false,
        description: 'Identifier of the configuration transaction, to group settings applied together.',
      },
    },
    ocsf: { ...entityManagement, activityId: 3, activityName: 'Update' },
    ecs: { kind: 'event', category: ['configuration'], type: ['change'] },
    requirements: { iec62443: 'configuration changes', en304621: ['configuration'], en303645: [] },
    example: {
      actor: { user: 'admin', ip: '198.51.100.7' },
      target: { setting: 'firewall.wan.allow_ssh' },
      attrs: { category: 'firewall', old_value: 'false', new_value: 'true', interface: 'web', change_id: 'cfg-20261104-0007' },
      message: 'SSH opened on the WAN interface',
    },
  },
];
