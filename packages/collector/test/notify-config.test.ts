/**
 * Notification settings and the retry schedule: `notify:` in a YAML file
 * through loadConfig, secrets from SECLOG_* variables, the per-type checks
 * of channel-config.ts, and the backoff, Retry-After and dead rules.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../src/config/load.js';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, type RetryPolicy, retryDelayMs, settleAttempt } from '../src/notify/backoff.js';
import { createChannels, notifyConfigIssues } from '../src/notify/channels/channel-config.js';
import { notifyConfig } from './notify-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'seclog-notify-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const POLICY: RetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 600_000, maxAttempts: 200, maxAgeMs: 86_400_000 };

test('notify: from a YAML file, with secrets from SECLOG_* variables, builds its channels', () => {
  const file = join(dir, 'seclog.yaml');
  writeFileSync(
    file,
    [
      'notify:',
      '  minSeverity: high',
      '  retry: { maxAttempts: 12 }',
      '  channels:',
      '    - { name: soc, type: webhook, url: "https://soc.example.com/hook", secretEnv: SECLOG_NOTIFY_SOC_HMAC }',
      '    - { name: chat, type: webhook, url: "https://hooks.slack.example/T0/B0/x", format: slack }',
      '    - name: mail',
      '      type: email',
      '      host: smtp.example.com',
      '      user: seclog',
      '      passwordEnv: SECLOG_NOTIFY_MAIL_PASS',
      '      from: seclog@example.com',
      '      to: [soc@example.com]',
      '      minSeverity: critical',
      '    - { name: siem, type: syslog, host: 127.0.0.1, port: 6514, protocol: udp }',
      '',
    ].join('\n'),
  );
  const env = { SECLOG_NOTIFY_SOC_HMAC: 'a'.repeat(32), SECLOG_NOTIFY_MAIL_PASS: 'pw' };
  const config = loadConfig({ file, env, cwd: dir });
  assert.equal(config.notify.minSeverity, 'high');
  assert.equal(config.notify.retry.maxAttempts, 12);
  assert.equal(config.notify.retry.initialDelayMs, 1_000, 'defaults fill the keys not given');
  assert.deepEqual(
    config.notify.channels.map((c) => [c.name, c.type]),
    [
      ['soc', 'webhook'],
      ['chat', 'webhook'],
      ['mail', 'email'],
      ['siem', 'syslog'],
    ],
  );
  assert.deepEqual(notifyConfigIssues(config.notify, { env }), []);
  const channels = createChannels(config.notify, { env });
  try {
    assert.deepEqual(
      channels.map((c) => [c.name, c.type, c.peer.host, c.peer.port, c.peer.protocol]),
      [
        ['soc', 'webhook', 'soc.example.com', 443, 'https'],
        ['chat', 'webhook', 'hooks.slack.example', 443, 'https'],
        ['mail', 'email', 'smtp.example.com', 587, 'smtp'],
        ['siem', 'syslog', '127.0.0.1', 6514, 'syslog-udp'],
      ],
    );
  } finally {
    for (const c of channels) c.close();
  }
  // Without the variable the same file is refused, naming the key and the variable.
  assert.throws(
    () => createChannels(config.notify, { env: {} }),
    (err: unknown) => {
      const e = err as { code?: string; message?: string };
      assert.equal(e.code, 'CONFIG_INVALID');
      assert.match(
        e.message ?? '',
        /notify\.channels\.0\.secretEnv: set \(got "SECLOG_NOTIFY_SOC_HMAC"\) — the environment variable SECLOG_NOTIFY_SOC_HMAC is not set/,
      );
      assert.match(e.message ?? '', /notify\.channels\.2\.passwordEnv: set/);
      return true;
    },
  );
});

test('the schema refuses an unknown channel key, a bad type and a bad name', () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'notify:\n  channels:\n    - { name: "Bad Name", type: pager, url: "https://x.test", colour: red }\n');
  assert.throws(
    () => loadConfig({ file, env: {}, cwd: dir }),
    (err: unknown) => {
      const keys = ((err as { details?: { errors?: { key: string }[] } }).details?.errors ?? []).map((e) => e.key).sort();
      assert.deepEqual(keys, ['notify.channels.0.colour', 'notify.channels.0.name', 'notify.channels.0.type']);
      return true;
    },
  );
});

test('webhook channel checks', () => {
  const hook = { name: 'h', type: 'webhook' as const, url: 'https://h.example/x', secret: 's'.repeat(16) };
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['complete', hook, []],
    ['json without a secret', { ...hook, secret: undefined }, ['notify.channels.0.secret: required']],
    ['slack without a secret', { ...hook, secret: undefined, format: 'slack' }, []],
    ['a short secret', { ...hook, secret: 'short-secret' }, ['notify.channels.0.secret: minLength']],
    ['not a URL', { ...hook, url: 'soc hook' }, ['notify.channels.0.url: url']],
    ['ftp', { ...hook, url: 'ftp://h.example/' }, ['notify.channels.0.url: url']],
    ['credentials in the URL', { ...hook, url: 'https://u:p@h.example/' }, ['notify.channels.0.url: url']],
    ['http to another host', { ...hook, url: 'http://h.example/x' }, ['notify.channels.0.insecure: loopbackOrTls']],
    ['http to loopback', { ...hook, url: 'http://127.0.0.1:9000/x' }, []],
    ['an email key', { ...hook, host: 'smtp.example' }, ['notify.channels.0.host: unknown']],
  ];
  for (const [name, ch, want] of cases) {
    const clean = Object.fromEntries(Object.entries(ch).filter(([, v]) => v !== undefined));
    assert.deepEqual(
      notifyConfigIssues(notifyConfig([clean as typeof hook]), { env: {} }).map((i) => `${i.key}: ${i.rule}`),
      want,
      name,
    );
  }
  const twice = notifyConfig([hook, { ...hook, url: 'https://other.example/' }]);
  assert.deepEqual(
    notifyConfigIssues(twice).map((i) => `${i.key}: ${i.rule}`),
    ['notify.channels.1.name: unique'],
  );
  // A secret never shows up in an error message.
  const msg = notifyConfigIssues(notifyConfig([{ ...hook, secret: 'hunter2-hunter2!' } as typeof hook]), { env: {} });
  assert.deepEqual(msg, []);
  const leaked = notifyConfigIssues(notifyConfig([{ ...hook, secret: 'tooshort', host: 'x' } as typeof hook])).map((i) => i.message);
  assert.ok(
    leaked.every((m) => !m.includes('tooshort')),
    leaked.join('\n'),
  );
});

test('retry delays: within [d/2, d] for d = initial·2^(n−1) capped at maxDelayMs', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
      const d = Math.min(POLICY.maxDelayMs, POLICY.initialDelayMs * 2 ** (attempt - 1));
      const got = retryDelayMs(attempt, POLICY, () => r);
      assert.ok(got >= Math.floor(d / 2) && got <= d, `attempt ${attempt}: ${got} not in [${d / 2}, ${d}]`);
    }),
  );
  assert.deepEqual(
    [1, 2, 3, 4, 10, 11, 50].map((a) => retryDelayMs(a, POLICY, () => 0.999999)),
    [1_000, 2_000, 4_000, 8_000, 512_000, 600_000, 600_000],
  );
});

test('Retry-After: seconds or an HTTP date, capped; anything else ignored', () => {
  const now = Date.parse('2026-11-04T09:00:00Z');
  const cases: [string | null, number | undefined][] = [
    [null, undefined],
    ['0', 0],
    ['120', 120_000],
    [' 3 ', 3_000],
    ['Wed, 04 Nov 2026 09:02:00 GMT', 120_000],
    ['Wed, 04 Nov 2026 08:00:00 GMT', 0],
    ['99999999', MAX_RETRY_AFTER_MS],
    ['-5', undefined],
    ['soon', undefined],
  ];
  for (const [v, want] of cases) assert.equal(parseRetryAfter(v, now), want, String(v));
});

test('settling an attempt: delivered, rejected, retried, dead by attempts or by age', () => {
  const row = { attempts: 1, createdUs: 1_000_000 };
  const now = 2_000_000;
  const r = () => 0;
  assert.deepEqual(settleAttempt({ kind: 'delivered' }, row, now, POLICY, r), { state: 'delivered', atUs: now });
  assert.deepEqual(settleAttempt({ kind: 'reject', reason: 'HTTP 404' }, row, now, POLICY, r), {
    state: 'dead',
    atUs: now,
    error: 'rejected: HTTP 404',
  });
  assert.deepEqual(settleAttempt({ kind: 'retry', reason: 'HTTP 503' }, row, now, POLICY, r), {
    state: 'pending',
    nextAttemptUs: now + 500_000,
    error: 'HTTP 503',
  });
  // Retry-After longer than the backoff wins.
  assert.deepEqual(settleAttempt({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 30_000 }, row, now, POLICY, r), {
    state: 'pending',
    nextAttemptUs: now + 30_000_000,
    error: 'HTTP 429',
  });
  assert.deepEqual(settleAttempt({ kind: 'retry', reason: 'x' }, { ...row, attempts: 200 }, now, POLICY, r), {
    state: 'dead',
    atUs: now,
    error: 'gave up after 200 attempts: x',
  });
  const old = { attempts: 3, createdUs: now - POLICY.maxAgeMs * 1000 + 1_000_000 };
  assert.equal(settleAttempt({ kind: 'retry', reason: 'x' }, old, now, POLICY, r).state, 'dead');
  assert.equal(
    settleAttempt({ kind: 'retry', reason: 'x' }, { ...old, createdUs: old.createdUs + 10_000_000 }, now, POLICY, r).state,
    'pending',
  );
});

test('loadConfig reports a channel’s per-type problems at startup, naming the key', () => {
  const file = join(dir, 'no-url.yaml');
  writeFileSync(file, 'notify:\n  channels:\n    - { name: soc, type: webhook, secret: "0123456789abcdef" }\n');
  assert.throws(
    () => loadConfig({ file, env: {}, cwd: dir }),
    (err: unknown) => {
      const keys = ((err as { details?: { errors?: { key: string }[] } }).details?.errors ?? []).map((e) => e.key);
      assert.deepEqual(keys, ['notify.channels.0.url']);
      return true;
    },
  );
});
