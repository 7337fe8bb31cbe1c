/**
 * The collector's fastify app: one plugin per route group, schemas compiled
 * once at start-up, errors from the registry (http/errors.ts), OpenAPI at /docs.
 * Tests build it with `buildApp` and drive it with `app.inject()`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { SignIn, type SignInOptions } from '../auth/sign-in.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';
import type { CollectorConfig } from '../config/schema.js';
import type { Detection } from '../detect/open-detection.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Integrator } from '../integrate/integrator.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import { installIngestMetrics } from '../metrics/ingest-hooks.js';
import { type MetricsAuth, metricsRoute } from '../metrics/metrics-route.js';
import { LiveFeed } from '../query/live-feed.js';
import { StorageMonitor } from '../retention/capacity.js';
import { DeviceReports } from '../retention/device-report.js';
import { policyOf } from '../retention/policy.js';
import { REVIEWS_DEFAULTS } from '../review/config-defaults.js';
import { ReviewService } from '../review/review-service.js';
import type { Store } from '../store/types.js';
import { originOfKey } from '../verify/open-readonly.js';
import { installAccessControl, POLICY } from './access-control.js';
import { alertRoutes } from './alert-routes.js';
import { authRoutes } from './auth-routes.js';
import { complianceRoutes } from './compliance-routes.js';
import { type DashboardRoutesOptions, dashboardRoutes } from './dashboard-routes.js';
import { deviceRoutes } from './device-routes.js';
import { installErrorHandlers } from './errors.js';
import { eventRoutes } from './event-routes.js';
import { ingestRoutes } from './ingest-routes.js';
import { installJsonBodyParser } from './json-body.js';
import { logRoutes } from './log-routes.js';
import { otlpRoutes } from './otlp-routes.js';
import { reviewRoutes } from './review-routes.js';
import { ruleRoutes } from './rule-routes.js';
import { HealthSchema } from './schemas.js';
import { type StorageRoutesOptions, storageRoutes } from './storage-routes.js';

export interface AppDeps {
  store: Store;
  ingest: IngestService;
  integrator: Integrator;
  verifierKey: string;
  bodyLimitBytes: number;
  accepting?: () => boolean;
  /** GET /metrics and the ingest counters; absent: no /metrics route. */
  metrics?: { registry: CollectorMetrics; auth: MetricsAuth };
  /** fastify options (logger, https); tests pass none. */
  server?: FastifyServerOptions & { https?: unknown };
  /** The live tail's feed (server/collector.ts notifies it after each commit); absent: one that polls. */
  feed?: LiveFeed;
  /** Detection (server/collector.ts opens it when detect.enabled); absent: no /api/v1/alerts and /api/v1/rules. */
  detection?: Detection;
  /** Password sign-in and sessions (auth/sign-in.ts); defaults apply when absent. */
  signIn?: SignInOptions;
  /** Filled with every route as it is registered (the authorisation-matrix test walks it). */
  routes?: RouteOptions[];
  /** Refusals recorded per minute (per caller for known ones) before they are only counted (default 10). */
  denialsPerMinute?: number;
  /** The data directory: the compliance check reports its file system's free space. */
  dataDir?: string;
  /** Periodic reviews (server/collector.ts makes one with the log key); absent: one that can prepare reviews but not sign them. */
  reviews?: ReviewService;
  /** The built dashboard (the CLI passes @seclog/web's assets and page paths); absent: no dashboard at `/`. */
  dashboard?: DashboardRoutesOptions;
  /** The configuration in force: GET /api/v1/compliance/docs describes it (tests may omit it: the defaults are described). */
  config?: CollectorConfig;
  /** GET /api/v1/devices (retention/device-report.ts); absent: reports with the default horizon settings. */
  devices?: DeviceReports;
  /** GET /api/v1/storage (retention/capacity.ts); absent: a monitor with the default settings and no cap. */
  storage?: Omit<StorageRoutesOptions, 'store'>;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    ...deps.server,
    bodyLimit: deps.bodyLimitBytes,
    // Strings stay strings: a number where a device id belongs is a client bug to report, not to coerce.
    ajv: { customOptions: { coerceTypes: false, allErrors: false } },
  } as FastifyServerOptions);
  installErrorHandlers(app);
  installJsonBodyParser(app);
  // Before any route plugin, whose instances copy the root's hooks and decorations when registered:
  // principalFor (http/auth.ts) finds the sign-in service on every route's instance, and the policy
  // hook (http/access-control.ts) guards every route.
  const signIn = new SignIn(deps.store, deps.ingest.own, deps.signIn);
  app.decorate('seclogSignIn', signIn);
  installAccessControl(app, deps.store, deps.ingest.own, { routes: deps.routes, perMinute: deps.denialsPerMinute });
  // Before the route plugins: they copy the root's hooks when registered.
  if (deps.metrics !== undefined) installIngestMetrics(app, deps.metrics.registry);
  await app.register(swagger, {
    openapi: { info: { title: 'seclog collector', version: '1' }, components: {} },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const accepting = deps.accepting ?? (() => true);
  await app.register(authRoutes, { signIn, maxAgeSeconds: Math.round((deps.signIn?.maxHours ?? 12) * 3600) });
  await app.register(ingestRoutes, { store: deps.store, ingest: deps.ingest, accepting });
  await app.register(otlpRoutes, { store: deps.store, ingest: deps.ingest, accepting, metrics: deps.metrics?.registry });
  await app.register(logRoutes, { store: deps.store, integrator: deps.integrator, own: deps.ingest.own, verifierKey: deps.verifierKey });
  await app.register(eventRoutes, { store: deps.store, own: deps.ingest.own, feed: deps.feed ?? new LiveFeed(deps.store) });
  if (deps.detection !== undefined) {
    await app.register(alertRoutes, { store: deps.store, detection: deps.detection });
    await app.register(ruleRoutes, { store: deps.store, detection: deps.detection });
  }
  await app.register(complianceRoutes, {
    store: deps.store,
    own: deps.ingest.own,
    detection: deps.detection,
    ...(deps.dataDir === undefined ? {} : { dataDir: deps.dataDir }),
    ...(deps.config === undefined ? {} : { config: deps.config }),
    verifierKey: deps.verifierKey,
  });
  await app.register(reviewRoutes, {
    own: deps.ingest.own,
    reviews:
      deps.reviews ??
      new ReviewService({
        store: deps.store,
        origin: originOfKey(deps.verifierKey),
        verifierKey: deps.verifierKey,
        signer: undefined,
        tree: () => deps.integrator.tree,
        append: (events) => deps.ingest.own.append(...events),
        config: REVIEWS_DEFAULTS,
      }),
  });
  await app.register(deviceRoutes, {
    own: deps.ingest.own,
    reports: deps.devices ?? new DeviceReports(deps.store, CONFIG_DEFAULTS.devices),
  });
  await app.register(storageRoutes, { store: deps.store, ...(deps.storage ?? defaultStorage(deps)) });
  if (deps.dashboard !== undefined) await app.register(dashboardRoutes, deps.dashboard);
  if (deps.metrics !== undefined) {
    await app.register(metricsRoute, { metrics: deps.metrics.registry, store: deps.store, auth: deps.metrics.auth });
  }
  app.get(
    '/healthz',
    { config: { policy: POLICY.public('liveness, for load balancers') }, schema: { summary: 'Liveness', response: { 200: HealthSchema } } },
    async () => ({
      status: accepting() ? 'ok' : 'stopping',
      treeSize: deps.integrator.size,
      events: deps.store.eventCount(),
      role: deps.integrator.leading ? ('leader' as const) : ('follower' as const),
    }),
  );
  return app;
}

/** The storage route's parts from the configuration defaults (tests, and apps built without a collector). */
function defaultStorage(deps: AppDeps): Omit<StorageRoutesOptions, 'store'> {
  const r = CONFIG_DEFAULTS.retention;
  return {
    monitor: new StorageMonitor({
      store: deps.store,
      settings: CONFIG_DEFAULTS.storage,
      capBytes: r.maxPayloadBytes,
      ...(deps.dataDir === undefined ? {} : { dataDir: deps.dataDir }),
      record: async (events) => {
        await deps.ingest.own.append(...events);
      },
    }),
    policy: policyOf(r),
    retentionEnabled: r.enabled,
    retentionIntervalMinutes: r.intervalMinutes,
  };
}
