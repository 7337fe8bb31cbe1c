/**
 * The dashboard at `/`: the static files Vite built (packages/web/dist/app),
 * held in memory (a few hundred KiB), and the app shell (index.html) for
 * every page path and deep link below one (/events, /alerts/alr-…). Paths
 * that are neither stay with the JSON not-found handler, so an unknown
 * /api path is still a 404 in the API's error shape.
 *
 * Every answer of this plugin carries a strict Content-Security-Policy: the
 * app loads only its own script and stylesheet and talks only to this origin.
 * The routes are public (the files hold no data); the app signs in through
 * /api/v1/auth like any client and its requests are authorised as usual.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { POLICY } from './access-control.js';

export interface DashboardRoutesOptions {
  /** The built app: index.html, favicon.svg, assets/… */
  assetsDir: string;
  /** The page paths the app routes ('/', '/events', …): each, and every path below it, answers index.html. */
  pagePaths: readonly string[];
}

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite names files under assets/ by content hash: they never change under one name. */
  immutable: boolean;
}

function load(path: string, urlPath: string): Asset {
  const body = readFileSync(path);
  return {
    body,
    type: TYPES[extname(path)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    immutable: urlPath.startsWith('/assets/'),
  };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, opts) => {
  let shell: Asset;
  try {
    shell = load(join(opts.assetsDir, 'index.html'), '/index.html');
  } catch {
    throw new SeclogError('CONFIG_INVALID', `the dashboard is not built: no index.html in ${opts.assetsDir} (run npm run build)`, {
      key: 'dashboard',
    });
  }
  const files = new Map<string, Asset>();
  for (const path of walk(opts.assetsDir)) {
    const urlPath = `/${relative(opts.assetsDir, path).split(sep).join('/')}`;
    if (urlPath !== '/index.html') files.set(urlPath, load(path, urlPath));
  }

  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    return payload;
  });

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, noStore = false) => {
    reply.header('content-type', a.type);
    reply.header('etag', a.etag);
    reply.header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : noStore ? 'no-cache' : 'public, max-age=300');
    if (req.headers['if-none-match'] === a.etag) return reply.status(304).send();
    return reply.send(a.body);
  };
  const config = { policy: POLICY.public('the dashboard’s static files; the app signs in through /api/v1/auth') };
  const schema = { hide: true };

  for (const [urlPath, asset] of files) {
    app.get(urlPath, { config, schema }, async (req, reply) => send(req, reply, asset));
  }
  const pages = new Set<string>();
  for (const p of opts.pagePaths) {
    pages.add(p);
    if (p !== '/') pages.add(`${p}/*`);
  }
  for (const p of pages) {
    // The shell is revalidated on every load, so a new build's asset names reach the browser at once.
    app.get(p, { config, schema }, async (req, reply) => send(req, reply, shell, true));
  }
};
