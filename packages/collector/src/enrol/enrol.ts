/**
 * Enrolment and credentials, on the store directly (the CLI needs no running
 * server): device add/list/revoke and API tokens. Only hashes of tokens are
 * kept; a device's k_0 is escrowed so the collector can check its seals.
 * Each change is also an event of the collector's own stream (`record`).
 */
import { generateSealKey, type SealerPolicy, SeclogError, sealPolicyFor } from '@seclog/core';
import { COLLECTOR_DEVICE_ID, type OwnEvent } from '../ingest/own-stream.js';
import { hashToken, newToken } from '../keys/secrets.js';
import type { DeviceProfile, DeviceRow, Role, Store } from '../store/types.js';

/** Everything an agent needs, written once to device.json (mode 0600). */
export interface DeviceFile {
  collector: string;
  device: string;
  token: string;
  /** k_0, hex. */
  sealKey: string;
  profile: DeviceProfile;
  /** The log's verifier key, so the device can check checkpoints. */
  logKey: string;
  origin: string;
  /** The seal policy the collector escrowed with k_0: the agent must seal on this grid. */
  seal: SealerPolicy;
}

/** The seal policy stored with a device row. */
export function sealPolicyOf(row: DeviceRow): SealerPolicy {
  return { t0Ms: row.sealT0Ms, epochMs: row.sealEpochMs, maxRecords: row.sealMaxRecords };
}

export interface EnrolContext {
  store: Store;
  /** Appends the collector's own events durably. */
  record: (events: OwnEvent[]) => void;
  origin: string;
  verifierKey: string;
}

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const ROLES: readonly Role[] = ['admin', 'analyst', 'auditor'];

/** The stored form of a bearer token: SHA-256 bytes. */
export function tokenHashBytes(token: string): Uint8Array {
  return Buffer.from(hashToken(token), 'hex');
}

export function addDevice(ctx: EnrolContext, id: string, profile: DeviceProfile, collectorUrl: string): DeviceFile {
  if (!DEVICE_ID.test(id) || id === COLLECTOR_DEVICE_ID) {
    throw new SeclogError('ENROL_ID_INVALID', `device id ${JSON.stringify(id)} is not allowed`, { id });
  }
  if (profile !== 'low' && profile !== 'high') {
    throw new SeclogError('ENROL_ID_INVALID', `profile must be low or high, got ${JSON.stringify(profile)}`, { profile });
  }
  if (ctx.store.getDevice(id) !== undefined) throw new SeclogError('ENROL_DEVICE_EXISTS', `device ${id} is already enrolled`, { id });
  const token = newToken('sld');
  const sealKey = generateSealKey();
  const nowMs = Date.now();
  const policy = sealPolicyFor(profile, nowMs);
  const row: DeviceRow = {
    id,
    profile,
    tokenHash: tokenHashBytes(token),
    sealKey,
    createdUs: nowMs * 1000,
    revokedUs: null,
    lastSeenUs: null,
    sealT0Ms: policy.t0Ms,
    sealEpochMs: policy.epochMs,
    sealMaxRecords: policy.maxRecords,
  };
  ctx.store.transaction(() => {
    ctx.store.putDevice(row);
    ctx.record([
      { name: 'device_enrolled', input: { attrs: { method: 'token', identity: id }, message: `device ${id} enrolled (${profile})` } },
    ]);
  });
  return {
    collector: collectorUrl,
    device: id,
    token,
    sealKey: sealKey.toString('hex'),
    profile,
    logKey: ctx.verifierKey,
    origin: ctx.origin,
    seal: policy,
  };
}

export function revokeDevice(ctx: EnrolContext, id: string): boolean {
  if (ctx.store.getDevice(id) === undefined) throw new SeclogError('ENROL_DEVICE_UNKNOWN', `no device ${id} is enrolled`, { id });
  return ctx.store.transaction(() => {
    const changed = ctx.store.revokeDevice(id, Date.now() * 1000);
    if (changed) {
      ctx.record([
        {
          name: 'device_unenrolled',
          input: { attrs: { reason: 'revoked' }, message: `device ${id} revoked`, target: { resource: `device:${id}` } },
        },
      ]);
    }
    return changed;
  });
}

export function listDevices(store: Store): DeviceRow[] {
  return store.listDevices().filter((d) => d.id !== COLLECTOR_DEVICE_ID);
}

/** Creates an API token (`sla_…`) and returns it; only its hash is stored. */
export function createApiToken(ctx: EnrolContext, role: Role, name: string): { id: string; token: string } {
  if (!ROLES.includes(role))
    throw new SeclogError('ENROL_ID_INVALID', `role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`, { role });
  const token = newToken('sla');
  const id = hashToken(token).slice(0, 12);
  ctx.store.transaction(() => {
    ctx.store.putApiToken({ id, name, role, tokenHash: tokenHashBytes(token), createdUs: Date.now() * 1000, revokedUs: null });
    ctx.record([
      {
        name: 'credential_change',
        input: {
          target: { resource: `api-token:${id}` },
          attrs: { credential_type: 'api_key', action: 'created', reason: 'manual' },
          message: `API token ${id} (${name}, ${role}) created`,
        },
      },
    ]);
  });
  return { id, token };
}
