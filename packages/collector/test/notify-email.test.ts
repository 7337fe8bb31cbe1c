/**
 * The email channel against a real SMTP receiver (smtp-server) that offers
 * STARTTLS with a self-signed certificate made here by openssl, and allows
 * AUTH only after TLS (PLAIN and LOGIN each tried). Skips with a message
 * when openssl is missing, and fails then under SECLOG_TEST_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { notifyConfigIssues } from '../src/notify/channels/channel-config.js';
import { EmailChannel } from '../src/notify/channels/email-channel.js';
import { Notifier } from '../src/notify/notifier.js';
import { notice, notifyConfig, tempStore, waitFor } from './notify-fixtures.js';

const REQUIRE_ALL = process.env.SECLOG_TEST_REQUIRE_ALL === '1';
const MISSING = 'openssl not found: install Debian package openssl (apt-get install openssl) to make the test certificate';

// SECLOG_OPENSSL names another binary (or a missing one, to see the skip).
const OPENSSL_BIN = process.env.SECLOG_OPENSSL || 'openssl';

function hasOpenssl(): boolean {
  try {
    execFileSync(OPENSSL_BIN, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const OPENSSL = hasOpenssl();
if (!OPENSSL && REQUIRE_ALL) test('openssl is available (SECLOG_TEST_REQUIRE_ALL=1)', () => assert.fail(MISSING));
const skip = OPENSSL ? false : MISSING;

const USER = 'seclog-notifier';
const PASSWORD = 'correct horse battery staple';

interface Mail {
  raw: string;
  secure: boolean;
  user: unknown;
  from: string | undefined;
  to: string[];
  authMethod: string;
}

const dir = mkdtempSync(join(tmpdir(), 'seclog-smtp-'));
let key = '';
let cert = '';
const servers: SMTPServer[] = [];
after(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

before(() => {
  if (!OPENSSL) return;
  // An EC key is made in milliseconds; the IP SAN lets the client verify 127.0.0.1 by name.
  execFileSync(
    OPENSSL_BIN,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=smtp.seclog.test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  writeFileSync(join(dir, 'ca.pem'), cert);
});

/** An SMTP server with STARTTLS (not implicit TLS) and AUTH only over TLS. */
async function smtp(authMethods: string[], over: Partial<SMTPServerOptions> = {}): Promise<{ port: number; mails: Mail[] }> {
  const mails: Mail[] = [];
  let authMethod = '';
  const server = new SMTPServer({
    secure: false,
    key,
    cert,
    authMethods,
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, cb) {
      authMethod = auth.method;
      if (auth.username === USER && auth.password === PASSWORD) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          authMethod,
        });
        cb();
      });
    },
    ...over,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, mails };
}

const channel = (port: number) => ({
  name: 'mail',
  type: 'email' as const,
  host: '127.0.0.1',
  port,
  tls: 'starttls' as const,
  caFile: join(dir, 'ca.pem'),
  user: USER,
  passwordEnv: 'SECLOG_TEST_SMTP_PASSWORD',
  from: 'seclog@collector.test',
  to: ['soc@example.test', 'oncall@example.test'],
});
const env = { SECLOG_TEST_SMTP_PASSWORD: PASSWORD };

for (const method of ['PLAIN', 'LOGIN']) {
  test(`an alert arrives by mail over STARTTLS with AUTH ${method}, carrying the alert and its idempotency key`, { skip }, async () => {
    const { port, mails } = await smtp([method]);
    const t = tempStore();
    const n = new Notifier({ store: t.store, config: notifyConfig([channel(port)]), env });
    try {
      n.start();
      n.enqueue(notice(1));
      await waitFor(() => t.store.getOutboxRow('alr-0001', 'mail')?.state === 'delivered', 'mail delivered');
      assert.equal(mails.length, 1);
      const m = mails[0] as Mail;
      assert.equal(m.secure, true, 'STARTTLS was used');
      assert.equal(m.authMethod, method);
      assert.deepEqual(m.user, USER);
      assert.equal(m.from, 'seclog@collector.test');
      assert.deepEqual(m.to, ['soc@example.test', 'oncall@example.test']);
      const split = m.raw.indexOf('\r\n\r\n');
      const [folded, qp] = [m.raw.slice(0, split), m.raw.slice(split + 4)];
      // Unfold header lines (RFC 5322 §2.2.3) and undo quoted-printable, as a mail reader does.
      const head = folded.replace(/\r\n[ \t]+/g, ' ');
      const body = Buffer.from(
        qp.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
        'latin1',
      ).toString('utf8');
      assert.match(head, /^Subject: seclog \[HIGH\] More than 10 failed logins in one minute \(gw-0042\/203\.0\.113\.9\): 11 events$/m);
      assert.match(head, /^X-Seclog-Idempotency-Key: alr-0001:mail$/m);
      assert.match(head, /^Message-ID: <[0-9a-f]{32}@notify\.seclog>$/m);
      for (const text of [
        'alr-0001',
        'seclog.brute_force_login',
        '0193a1f2-6a4f-7c3d-9e11-1a2b3c4d5e02',
        'Idempotency key: alr-0001:mail',
      ]) {
        assert.ok(body.includes(text), `body has ${text}`);
      }
    } finally {
      await n.close();
      t.dispose();
    }
  });
}

test('a server that offers no STARTTLS gets neither the mail nor the password: retried, not sent in clear', { skip }, async () => {
  const { port, mails } = await smtp(['PLAIN'], { disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const ch = new EmailChannel({
    name: 'mail',
    host: '127.0.0.1',
    port,
    tls: 'starttls',
    ca: cert,
    user: USER,
    password: PASSWORD,
    from: 'seclog@collector.test',
    to: ['soc@example.test'],
    timeoutMs: 2_000,
  });
  try {
    const r = await ch.send({ notice: notice(2), idempotencyKey: 'alr-0002:mail', attempt: 1 }, AbortSignal.timeout(5_000));
    assert.equal(r.kind, 'retry');
    assert.match(r.kind === 'retry' ? r.reason : '', /^ETLS 500 .*STARTTLS/);
    assert.equal(mails.length, 0);
  } finally {
    ch.close();
  }
});

test('a wrong password is a permanent SMTP refusal (535): dead after one attempt', { skip }, async () => {
  const { port } = await smtp(['PLAIN']);
  const t = tempStore();
  const n = new Notifier({ store: t.store, config: notifyConfig([channel(port)]), env: { SECLOG_TEST_SMTP_PASSWORD: 'wrong' } });
  try {
    n.start();
    n.enqueue(notice(3));
    await waitFor(() => t.store.getOutboxRow('alr-0003', 'mail')?.state === 'dead', 'dead');
    const row = t.store.getOutboxRow('alr-0003', 'mail');
    assert.equal(row?.attempts, 1);
    assert.match(row?.lastError ?? '', /^rejected: EAUTH 535 /);
  } finally {
    await n.close();
    t.dispose();
  }
});

test('a certificate the configured CA did not sign is refused (retried, nothing sent)', { skip }, async () => {
  const { port, mails } = await smtp(['PLAIN']);
  const ch = new EmailChannel({
    name: 'mail',
    host: '127.0.0.1',
    port,
    tls: 'starttls',
    ca: undefined, // the system CAs: they do not know the test certificate
    user: USER,
    password: PASSWORD,
    from: 'seclog@collector.test',
    to: ['soc@example.test'],
    timeoutMs: 2_000,
  });
  try {
    const r = await ch.send({ notice: notice(4), idempotencyKey: 'alr-0004:mail', attempt: 1 }, AbortSignal.timeout(5_000));
    assert.equal(r.kind, 'retry');
    assert.equal(mails.length, 0);
  } finally {
    ch.close();
  }
});

test('email configuration problems are named per key', () => {
  const base = { ...channel(25), caFile: undefined, passwordEnv: undefined };
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['complete', { ...base, password: 'pw' }, []],
    ['password from an unset variable', { ...base, passwordEnv: 'SECLOG_NOT_SET_ANYWHERE' }, ['notify.channels.0.passwordEnv: set']],
    ['user without password', base, ['notify.channels.0.password: required']],
    ['password and passwordEnv', { ...base, password: 'pw', passwordEnv: 'SECLOG_X' }, ['notify.channels.0.passwordEnv: oneOf']],
    [
      'no from, no to, a webhook key',
      { ...base, password: 'pw', from: undefined, to: undefined, url: 'https://x.test' },
      ['notify.channels.0.url: unknown', 'notify.channels.0.from: required', 'notify.channels.0.to: required'],
    ],
    [
      'tls none to another host',
      { ...base, password: 'pw', host: 'mail.example.com', tls: 'none' },
      ['notify.channels.0.insecure: loopbackOrTls'],
    ],
    ['tls none to another host, insecure', { ...base, password: 'pw', host: 'mail.example.com', tls: 'none', insecure: true }, []],
    ['unreadable CA file', { ...base, password: 'pw', caFile: join(dir, 'missing.pem') }, ['notify.channels.0.caFile: exists']],
  ];
  for (const [name, ch, want] of cases) {
    const clean = Object.fromEntries(Object.entries(ch).filter(([, v]) => v !== undefined));
    const config = notifyConfig([clean as unknown as ReturnType<typeof channel>]);
    const got = notifyConfigIssues(config, { env: {} }).map((i) => `${i.key}: ${i.rule}`);
    assert.deepEqual(got, want, name);
  }
});
