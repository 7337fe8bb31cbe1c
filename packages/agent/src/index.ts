/**
 * @seclog/agent: the device SDK. Issue D adds the logger, ring store, seals,
 * time quality and shipper. The risk profiles live in core, because the
 * collector's enrolment fixes the seal policy from them too.
 */

export type { ProfileDefaults, ProfileName } from '@seclog/core';
export { isProfileName, PROFILES } from '@seclog/core';
