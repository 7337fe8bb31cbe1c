/** The built-in catalogue, in catalogue order (docs/events.md follows it). */
import type { CatalogueEntry } from '../types.js';
import { ACCESS_CONTROL_EVENTS } from './access-control.js';
import { ACCOUNT_EVENTS } from './account.js';
import { AUTHENTICATION_EVENTS } from './authentication.js';
import { BOOT_EVENTS } from './boot.js';
import { COLLECTOR_EVENTS } from './collector.js';
import { CONFIGURATION_EVENTS } from './configuration.js';
import { CRYPTO_EVENTS } from './crypto.js';
import { ENROLMENT_EVENTS } from './enrolment.js';
import { LOGGING_EVENTS } from './logging.js';
import { NETWORK_EVENTS } from './network.js';
import { PASSTHROUGH_EVENTS } from './passthrough.js';
import { SESSION_EVENTS } from './session.js';
import { SYSTEM_EVENTS } from './system.js';
import { TIME_EVENTS } from './time.js';
import { UPDATE_EVENTS } from './update.js';

export const CATALOGUE_ENTRIES: readonly CatalogueEntry[] = [
  ...AUTHENTICATION_EVENTS,
  ...ACCOUNT_EVENTS,
  ...ACCESS_CONTROL_EVENTS,
  ...SESSION_EVENTS,
  ...CONFIGURATION_EVENTS,
  ...UPDATE_EVENTS,
  ...SYSTEM_EVENTS,
  ...BOOT_EVENTS,
  ...CRYPTO_EVENTS,
  ...ENROLMENT_EVENTS,
  ...NETWORK_EVENTS,
  ...TIME_EVENTS,
  ...LOGGING_EVENTS,
  ...COLLECTOR_EVENTS,
  ...PASSTHROUGH_EVENTS,
];
