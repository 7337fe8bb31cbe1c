/**
 * A small device web admin panel instrumented with the seclog SDK: the
 * shortest path from "I have a product" to "its security events are in
 * seclog". See README.md for how to run it against `npm start`.
 *
 * What it logs, and why (the guide's list of security-relevant events):
 * sign-in success and failure, account lockout, session start and end,
 * access refused to a viewer, every settings change (firewall rules with old
 * and new value), firmware updates including a rejected, badly signed image.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type LoggerConfig, SecurityLogger } from '@seclog/agent';
import { Accounts, LOCKOUT, type Session } from './accounts.js';
import { FirmwareVendor, sha256Hex, signatureValid } from './firmware.js';
import { loginPage, type Settings, settingsPage } from './pages.js';

export interface AdminPanelOptions {
  /** The object `seclog device add --out` wrote, plus the SDK's local options (`store.path`). */
  readonly logger: LoggerConfig;
  readonly adminPassword: string;
  readonly viewerPassword?: string;
  readonly host?: string;
  readonly port?: number;
}

export interface AdminPanel {
  readonly url: string;
  readonly log: SecurityLogger;
  close(): Promise<void>;
}

const MAX_FORM_BYTES = 16 * 1024;
const COOKIE = 'admin_session';

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE) return v;
  }
  return undefined;
}

function send(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'x-frame-options': 'DENY',
    ...headers,
  });
  res.end(html);
}

const redirect = (res: ServerResponse, to: string, headers: Record<string, string> = {}) => {
  res.writeHead(303, { location: to, ...headers });
  res.end();
};

export async function startAdminPanel(opts: AdminPanelOptions): Promise<AdminPanel> {
  const log = await SecurityLogger.open(opts.logger);
  const accounts = new Accounts();
  accounts.add('admin', opts.adminPassword, 'admin');
  if (opts.viewerPassword !== undefined) accounts.add('viewer', opts.viewerPassword, 'viewer');
  const vendor = new FirmwareVendor();
  const settings: Settings = { hostname: 'device-admin', sshEnabled: false, firewallRules: ['deny all inbound'], firmwareVersion: '1.0.0' };

  const changed = (session: Session, setting: string, category: 'firewall' | 'network' | 'service', oldValue: string, newValue: string) =>
    log.configChanged({ user: session.user, setting, category, oldValue, newValue, interface: 'web' });

  /** Only admins change anything; a viewer's attempt is refused and logged. */
  async function allowed(session: Session, action: string, resource: string, res: ServerResponse): Promise<boolean> {
    if (session.role === 'admin') return true;
    await log.accessDenied({ user: session.user, action, resource, role: session.role, permission: 'config:write', interface: 'web' });
    send(res, 403, settingsPage(settings, session, `${action} needs the admin role`));
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ip = req.socket.remoteAddress ?? 'unknown';
    const path = new URL(req.url ?? '/', 'http://panel').pathname;
    if (req.method === 'GET' && path === '/login') return send(res, 200, loginPage());
    if (req.method === 'POST' && path === '/login') {
      const form = await readForm(req);
      const user = form.get('user') ?? '';
      const r = accounts.login(user, form.get('password') ?? '');
      if (!r.ok) {
        await log.loginFailed({ user, sourceIp: ip, method: 'password', reason: r.reason, interface: 'web' });
        if (r.lockedNow) {
          await log.accountLocked({
            targetUser: user,
            sourceIp: ip,
            failures: r.failures,
            lockSeconds: LOCKOUT.lockMs / 1000,
            windowSeconds: LOCKOUT.windowMs / 1000,
            interface: 'web',
          });
        }
        return send(res, 401, loginPage('Wrong user or password, or the account is locked.'));
      }
      const s = r.session;
      await log.loginSucceeded({ user, sourceIp: ip, method: 'password', interface: 'web' });
      await log.sessionStarted({ user, sourceIp: ip, session: s.id, source: 'web', role: s.role, idleTimeoutSeconds: 900 });
      return redirect(res, '/', { 'set-cookie': `${COOKIE}=${s.id}; HttpOnly; SameSite=Strict; Path=/` });
    }

    const { session, expired } = accounts.session(cookieOf(req));
    if (expired !== undefined) {
      await log.sessionEnded({ user: expired.user, session: expired.id, source: 'web', reason: 'idle_timeout' });
    }
    if (session === undefined) return redirect(res, '/login');

    if (req.method === 'GET' && path === '/') return send(res, 200, settingsPage(settings, session));
    if (req.method !== 'POST') return send(res, 404, settingsPage(settings, session, 'No such page'));
    const form = await readForm(req);
    switch (path) {
      case '/logout': {
        accounts.logout(session.id);
        await log.loggedOut({ user: session.user, sourceIp: ip, interface: 'web' });
        await log.sessionEnded({
          user: session.user,
          session: session.id,
          source: 'web',
          reason: 'logout',
          durationSeconds: Math.round((Date.now() - session.startedMs) / 1000),
        });
        return redirect(res, '/login', { 'set-cookie': `${COOKIE}=; Max-Age=0; Path=/` });
      }
      case '/settings': {
        if (!(await allowed(session, 'config.set', 'settings', res))) return;
        const hostname = (form.get('hostname') ?? settings.hostname).slice(0, 63);
        const ssh = form.get('ssh') === 'on';
        if (hostname !== settings.hostname) await changed(session, 'hostname', 'network', settings.hostname, hostname);
        if (ssh !== settings.sshEnabled) await changed(session, 'ssh.enabled', 'service', String(settings.sshEnabled), String(ssh));
        settings.hostname = hostname;
        settings.sshEnabled = ssh;
        return send(res, 200, settingsPage(settings, session, 'Saved.'));
      }
      case '/firewall/add':
      case '/firewall/remove': {
        if (!(await allowed(session, 'firewall.change', 'firewall', res))) return;
        const before = settings.firewallRules.join('; ');
        if (path === '/firewall/add') settings.firewallRules.push((form.get('rule') ?? '').slice(0, 200));
        else settings.firewallRules.splice(Number(form.get('index')), 1);
        await changed(session, 'firewall.rules', 'firewall', before, settings.firewallRules.join('; '));
        return send(res, 200, settingsPage(settings, session, 'Firewall updated.'));
      }
      case '/firmware': {
        if (!(await allowed(session, 'firmware.upload', 'firmware', res))) return;
        const version = (form.get('version') ?? '').slice(0, 32);
        const image = vendor.build(version, form.get('tampered') === 'on');
        const common = {
          user: session.user,
          fromVersion: settings.firmwareVersion,
          toVersion: version,
          imageSha256: sha256Hex(image.bytes),
        };
        await log.firmwareUpdateStarted({ ...common, source: 'local_upload', sizeBytes: image.bytes.length });
        const started = Date.now();
        if (!signatureValid(image, vendor.publicKey)) {
          await log.firmwareUpdateFinished({ ...common, result: 'rejected', signatureValid: false, reason: 'bad_signature' });
          return send(res, 422, settingsPage(settings, session, 'The image signature does not verify: update refused.'));
        }
        await log.firmwareUpdateFinished({ ...common, result: 'success', signatureValid: true, durationMs: Date.now() - started });
        settings.firmwareVersion = version;
        return send(res, 200, settingsPage(settings, session, `Firmware ${version} installed.`));
      }
      default:
        return send(res, 404, settingsPage(settings, session, 'No such action'));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the panel or a bad form: answer, never crash the device.
      if (!res.headersSent) send(res, 400, `<p>${String((err as Error).message).replace(/[<>&]/g, '')}</p>`);
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    log,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      device: { type: 'string', default: 'device.json' },
      store: { type: 'string', default: 'device-admin.ring' },
      port: { type: 'string', default: '3000' },
    },
  });
  const deviceFile = JSON.parse(readFileSync(values.device, 'utf8')) as LoggerConfig;
  const adminPassword = process.env.ADMIN_PASSWORD ?? 'change-me-now';
  const panel = await startAdminPanel({
    logger: { ...deviceFile, store: { path: values.store } },
    adminPassword,
    viewerPassword: process.env.VIEWER_PASSWORD ?? 'viewer',
    port: Number(values.port),
  });
  console.log(
    `device admin panel on ${panel.url}  (admin / ${process.env.ADMIN_PASSWORD ? '$ADMIN_PASSWORD' : adminPassword}, viewer / viewer)`,
  );
  const stop = () => {
    panel.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
