/**
 * Route group /api/v1/compliance: the guide's checklist answered from the
 * live state (compliance/check.ts), and the logging section of the technical
 * file generated from the live configuration (compliance/generate-docs.ts).
 * Both read the log (counts over the window), so each is recorded as
 * `log_access` like any other read; the document is sent only after its
 * record has committed.
 */
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { principalActor, principalLabel } from '../auth/principal.js';
import { runComplianceCheck } from '../compliance/check.js';
import { DOCS_FORMATS, type DocsFormat, documentationDigest } from '../compliance/docs-record.js';
import { generateComplianceDocs } from '../compliance/generate-docs.js';
import { SECLOG_VERSION } from '../compliance/version.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';
import type { CollectorConfig } from '../config/schema.js';
import type { Detection } from '../detect/open-detection.js';
import type { OwnStream } from '../ingest/own-stream.js';
import { recordAccess } from '../query/access-log.js';
import type { Store } from '../store/types.js';
import { POLICY, principalOf } from './access-control.js';
import { ErrorSchema } from './schemas.js';

export interface ComplianceRoutesOptions {
  store: Store;
  own: OwnStream;
  detection: Detection | undefined;
  dataDir?: string;
  /** The configuration in force, which the documentation describes; buildApp without one (tests) documents the defaults. */
  config?: CollectorConfig;
  /** The log's verifier key (`<origin>+<key id>+<key>`). */
  verifierKey: string;
}

const ItemSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  pass: Type.Boolean(),
  why: Type.Optional(Type.String()),
  evidence: Type.Array(Type.String()),
});

const ReportSchema = Type.Object({
  at: Type.String(),
  window: Type.Object({ from: Type.String(), to: Type.String(), days: Type.Integer() }),
  pass: Type.Boolean(),
  items: Type.Array(ItemSchema),
});

export const complianceRoutes: FastifyPluginAsync<ComplianceRoutesOptions> = async (app, opts) => {
  const config = opts.config ?? (CONFIG_DEFAULTS as unknown as CollectorConfig);
  // The server's own library: the rules detection runs now, enabled flags included.
  const rules = () => opts.detection?.rules.list();
  app.get(
    '/api/v1/compliance/check',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: "The guide's six-item checklist, each item pass or fail with its evidence (docs/compliance.md)",
        // Query strings stay strings (no coercion, app.ts): days is checked here.
        querystring: Type.Object({
          days: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'The window, 1–366 days (default 7)' })),
        }),
        response: { 200: ReportSchema, '4xx': ErrorSchema },
      },
    },
    async (req) => {
      const given = (req.query as { days?: string }).days;
      const days = given === undefined ? 7 : Number(given);
      if (days > 366) throw new SeclogError('HTTP_QUERY_INVALID', `days: at most 366, got ${days}`, { field: 'days' });
      const detection = opts.detection;
      const report = runComplianceCheck({
        store: opts.store,
        detection:
          detection === undefined
            ? { enabled: false }
            : { enabled: true, alertingRules: detection.rules.list().filter((r) => r.enabled && r.alerting).length },
        ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
        days,
        docs: { configDigest: documentationDigest(config, rules()) },
        horizons: config.devices,
      });
      await recordAccess(
        opts.own,
        { principal: principalOf(req), ...(req.ip ? { ip: req.ip } : {}) },
        'query',
        { compliance: 'check', days },
        report.items.length,
      );
      return report;
    },
  );

  app.get(
    '/api/v1/compliance/docs',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary:
          'The logging section of the technical file, generated from the live configuration and state (md, html or pdf download; docs/compliance.md)',
        querystring: Type.Object({
          format: Type.Optional(Type.Enum([...DOCS_FORMATS], { description: 'md (default), html, or pdf (needs Chromium on the host)' })),
          days: Type.Optional(
            Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Window of the measured figures, 1–366 days (default 7)' }),
          ),
        }),
        response: { '4xx': ErrorSchema, '5xx': ErrorSchema },
      },
    },
    async (req, reply) => {
      const q = req.query as { format?: DocsFormat; days?: string };
      const days = q.days === undefined ? 7 : Number(q.days);
      if (days > 366) throw new SeclogError('HTTP_QUERY_INVALID', `days: at most 366, got ${days}`, { field: 'days' });
      const principal = principalOf(req);
      const dataDir = opts.dataDir ?? (config.db === undefined ? config.dataDir : undefined);
      const docs = await generateComplianceDocs({
        store: opts.store,
        config,
        log: { origin: opts.verifierKey.split('+')[0] ?? '', verifierKey: opts.verifierKey },
        rules: rules(),
        storage: config.db === undefined && dataDir !== undefined ? { kind: 'sqlite', dataDir } : { kind: 'postgresql' },
        days,
        version: SECLOG_VERSION,
        format: q.format ?? 'md',
        reader: {
          user: principalActor(principal),
          label: principalLabel(principal),
          role: principal.role,
          ...(req.ip ? { ip: req.ip } : {}),
        },
        record: (events) => opts.own.append(...events),
      });
      await docs.commit();
      return (
        reply
          .header('content-type', docs.contentType)
          .header('content-disposition', `attachment; filename="${docs.fileName}"`)
          .header('x-content-type-options', 'nosniff')
          // A snapshot of the log's state that records who fetched it: never from a cache.
          .header('cache-control', 'no-store')
          .send(docs.body)
      );
    },
  );
};
