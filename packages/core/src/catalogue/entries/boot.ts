/** Boot events: secure-boot verification of each image, stage by stage. */
import type { CatalogueEntry } from '../types.js';

const moduleActivity = { categoryUid: 1, categoryName: 'System Activity', classUid: 1005, className: 'Module Activity' };

export const BOOT_EVENTS: readonly CatalogueEntry[] = [
  {
    name: 'boot_verify',
    title: 'Boot image verified',
    when: 'A boot stage verified the next image before running it (ROM, bootloader, kernel, root file system, application, TEE). Emit one record per stage and image from the first stage that can log, replaying earlier results from the boot hand-off; set outcome failure and severity critical when result is fail.',
    group: 'boot',
    origin: 'device',
    defaultSeverity: 'info',
    defaultOutcome: 'unknown',
    mandatory: true,
    critical: true,
    sdkMethod: 'bootVerified',
    requiredFields: [],
    attrs: {
      stage: {
        type: 'string',
        required: true,
        description: 'Stage that did the check: rom, bl1, bl2, bootloader, kernel, initramfs, rootfs, application, tee.',
      },
      component: { type: 'string', required: true, description: 'Image that was checked, e.g. u-boot, kernel, rootfs_b, app.bin.' },
      result: {
        type: 'string',
        required: true,
        enum: ['pass', 'fail', 'skipped'],
        description: 'pass (verified), fail (rejected), skipped (not checked: verification disabled or development part).',
      },
      digest: {
        type: 'string',
        required: false,
        format: 'sha256-hex',
        description: 'SHA-256 of the image as measured, 64 lowercase hex digits.',
      },
      key_id: { type: 'string', required: false, description: 'Identifier of the verification key or certificate, never the key itself.' },
      version: { type: 'string', required: false, description: 'Version of the image, from its header.' },
      reason: {
        type: 'string',
        required: false,
        description:
          'Why it failed: bad_signature, digest_mismatch, rollback (below the anti-rollback counter), revoked_key, unsigned, other.',
      },
      enforced: { type: 'boolean', required: false, description: 'True when a failed check stops the boot.' },
    },
    ocsf: { ...moduleActivity, activityId: 1, activityName: 'Load' },
    ecs: { kind: 'event', category: ['host'], type: ['info'] },
    requirements: { iec62443: 'control system events', en304621: ['boot and component verification'], en303645: ['5.7-1', '5.7-2'] },
    example: {
      outcome: 'success',
      attrs: {
        stage: 'bootloader',
        component: 'kernel',
        result: 'pass',
        digest: '21dae65f702b74729d1b83759b29eb5072b33076d3809d303d2bce95a157ef95',
        key_id: 'oem-fw-2026',
        version: '6.6.32',
        enforced: true,
      },
    },
  },
];
