/**
 * Route group /api/v1/devices: the enrolled devices with their state,
 * integrity, time quality and overwrite horizon (retention/device-report.ts,
 * docs/retention.md). The reports are built from stored records (firmware,
 * time quality), so each read is recorded as `log_access` like any query.
 */
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { OwnStream } from '../ingest/own-stream.js';
import { recordAccess } from '../query/access-log.js';
import type { DeviceReports } from '../retention/device-report.js';
import { POLICY, principalOf } from './access-control.js';
import { ErrorSchema } from './schemas.js';

export interface DeviceRoutesOptions {
  own: OwnStream;
  reports: DeviceReports;
}

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const DeviceSchema = Type.Object({
  id: Type.String(),
  profile: Type.Union([Type.Literal('low'), Type.Literal('high')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  enrolledAt: Type.String(),
  lastSeen: Nullable(Type.String()),
  firmware: Type.Object({
    version: Nullable(Type.String()),
    lastUpdate: Type.Union([
      Type.Object({ at: Type.String(), result: Nullable(Type.String()), from: Nullable(Type.String()), to: Nullable(Type.String()) }),
      Type.Null(),
    ]),
  }),
  events: Type.Object({
    window: Type.Integer(),
    windowBytes: Type.Integer(),
    windowHours: Type.Integer(),
    lastAt: Nullable(Type.String()),
  }),
  integrity: Type.Object({
    gaps: Type.Integer(),
    openGaps: Type.Integer(),
    droppedGaps: Type.Integer({ description: 'Open gaps the device declared lost (log_dropped records cover them).' }),
    forks: Type.Integer(),
    sealFailures: Type.Integer(),
    lastSealAt: Nullable(Type.String()),
  }),
  time: Type.Object({
    quality: Type.Union([Type.Literal('synced'), Type.Literal('unsynced'), Type.Literal('unknown')]),
    source: Nullable(Type.String()),
    accuracyMs: NullableNumber,
    skewMs: NullableNumber,
  }),
  ring: Type.Object({
    capacityBytes: NullableNumber,
    bytesPerHour: NullableNumber,
    horizonHours: NullableNumber,
    belowMinimum: Type.Union([Type.Boolean(), Type.Null()]),
  }),
});

const ListSchema = Type.Object({
  devices: Type.Array(DeviceSchema),
  minHorizonHours: Type.Number(),
  belowMinimum: Type.Array(Type.String(), { description: 'Active devices whose horizon is below devices.minHorizonHours' }),
});

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const deviceRoutes: FastifyPluginAsync<DeviceRoutesOptions> = async (app, opts) => {
  const { own, reports } = opts;
  const errors = { '4xx': ErrorSchema };

  app.get(
    '/api/v1/devices',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'Enrolled devices: state, integrity, time quality and overwrite horizon (docs/retention.md)',
        response: { 200: ListSchema, ...errors },
      },
    },
    async (req) => {
      const list = reports.all();
      await recordAccess(
        own,
        { principal: principalOf(req), ...(req.ip ? { ip: req.ip } : {}) },
        'query',
        { devices: 'list' },
        list.length,
      );
      return {
        devices: list,
        minHorizonHours: reports.settings.minHorizonHours,
        belowMinimum: list.filter((d) => d.status === 'active' && d.ring.belowMinimum === true).map((d) => d.id),
      };
    },
  );

  app.get(
    '/api/v1/devices/:id',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'One enrolled device (the fields of the list)',
        params: Type.Object({ id: Type.String({ description: 'Device id' }) }),
        response: { 200: DeviceSchema, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      if (!ID.test(id)) throw new SeclogError('HTTP_QUERY_INVALID', 'id: not a device id', { field: 'id' });
      const r = reports.one(id);
      await recordAccess(
        own,
        { principal: principalOf(req), ...(req.ip ? { ip: req.ip } : {}) },
        'view',
        { device: id },
        r === undefined ? 0 : 1,
      );
      if (r === undefined) throw new SeclogError('DEVICE_NOT_FOUND', `no enrolled device has id ${id}`, { id });
      return r;
    },
  );
};
