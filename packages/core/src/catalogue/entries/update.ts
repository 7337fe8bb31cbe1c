/** Update events: firmware and software images installed, with their provenance. */
import type { CatalogueEntry } from '../types.js';

const applicationLifecycle = { categoryUid: 6, categoryName: 'Application Activity', classUid: 6002, className: 'Application Lifecycle' };

export const UPDATE_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'fw_update_start',
    title: 'Firmware update started',
    when: 'The device began installing a firmware or software image (OTA job, USB stick, local upload), after the download and before the first write. Always follow it with fw_update_end, also when the installation fails or is abandoned.',
    group: 'update',
    origin: 'device',
    defaultSeverity: 'info',
    defaultOutcome: 'unknown',
    mandatory: true,
    critical: true,
    sdkMethod: 'firmwareUpdateStarted',
    requiredFields: [],
    attrs: {
      from_version: { type: 'string', required: true, description: 'Version running now.' },
      to_version: { type: 'string', required: false, description: 'Version of the image being installed, as declared by its manifest.' },
      component: { type: 'string', required: false, description: 'Which image: firmware, bootloader, modem, application, ….' },
      source: { type: 'string', required: false, description: 'Where the image came from: ota, usb, local_upload, other.' },
      image_sha256: {
        type: 'string',
        required: false,
        format: 'sha256-hex',
        description: 'SHA-256 of the image, 64 lowercase hex digits.',
      },
      size_bytes: { type: 'integer', required: false, minimum: 0, description: 'Size of the image, in bytes.' },
      job_id: { type: 'string', required: false, description: 'Identifier of the update campaign or job.' },
    },
    ocsf: { ...applicationLifecycle, activityId: 8, activityName: 'Update' },
    ecs: { kind: 'event', category: ['package'], type: ['installation', 'start'] },
    requirements: { iec62443: 'configuration changes', en304621: ['boot and component verification'], en303645: [] },
    example: {
      actor: { process: 'ota-agent' },
      attrs: {
        from_version: '4.2.1',
        to_version: '4.3.0',
        component: 'firmware',
        source: 'ota',
        image_sha256: 'd7bdd545f09d8a73c2b990337c8211d708a04ccd9748627685e4fc79cc038039',
        size_bytes: 18874368,
        job_id: 'job-20261104-eu-17',
      },
    },
  },
  {
    name: 'fw_update_end',
    title: 'Firmware update finished',
    when: 'Installation of an image finished, failed, was rejected before writing (bad signature, downgrade) or was rolled back after a failed first boot. Set outcome failure and severity high whenever result is not success or signature_valid is false.',
    group: 'update',
    origin: 'device',
    defaultSeverity: 'low',
    defaultOutcome: 'unknown',
    mandatory: true,
    critical: true,
    sdkMethod: 'firmwareUpdateFinished',
    requiredFields: [],
    attrs: {
      result: {
        type: 'string',
        required: true,
        enum: ['success', 'failed', 'rejected', 'rolled_back', 'aborted'],
        description:
          'How the installation ended: success, failed (error while installing), rejected (verification refused it), rolled_back, aborted.',
      },
      from_version: { type: 'string', required: true, description: 'Version that was running before the update.' },
      to_version: {
        type: 'string',
        required: false,
        description: 'Version of the image, as declared by its manifest; absent when it could not be read.',
      },
      image_sha256: {
        type: 'string',
        required: false,
        format: 'sha256-hex',
        description: 'SHA-256 of the image, 64 lowercase hex digits.',
      },
      signature_valid: {
        type: 'boolean',
        required: false,
        description: "Whether the image's signature verified against the update trust anchor.",
      },
      component: { type: 'string', required: false, description: 'Which image: firmware, bootloader, modem, application, ….' },
      reason: {
        type: 'string',
        required: false,
        description:
          'Why it did not succeed: bad_signature, digest_mismatch, downgrade, incompatible, write_error, power_loss, boot_failed, other.',
      },
      duration_ms: { type: 'integer', required: false, minimum: 0, description: 'Time from fw_update_start to the end, in milliseconds.' },
      job_id: { type: 'string', required: false, description: 'Identifier of the update campaign or job.' },
    },
    ocsf: { ...applicationLifecycle, activityId: 8, activityName: 'Update' },
    ecs: { kind: 'event', category: ['package'], type: ['installation', 'change'] },
    requirements: { iec62443: 'configuration changes', en304621: ['boot and component verification'], en303645: ['5.3-9', '5.3-10'] },
    example: {
      outcome: 'success',
      actor: { process: 'ota-agent' },
      attrs: {
        result: 'success',
        from_version: '4.2.1',
        to_version: '4.3.0',
        image_sha256: 'd7bdd545f09d8a73c2b990337c8211d708a04ccd9748627685e4fc79cc038039',
        signature_valid: true,
        component: 'firmware',
        duration_ms: 94210,
        job_id: 'job-20261104-eu-17',
      },
    },
  },
];
