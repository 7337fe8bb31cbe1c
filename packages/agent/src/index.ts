/**
 * @seclog/agent: the device SDK. Issue D adds the logger, ring store, seals,
 * time quality and shipper; the risk profiles are fixed here first.
 */

export type { ProfileDefaults, ProfileName } from './profiles.js';
export { isProfileName, PROFILES } from './profiles.js';
