import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createNoteVerifier, emptyRoot, generateNoteKey, isSeclogError, openCheckpoint, signCheckpoint } from '@seclog/core';
import { initDataDir } from '../src/keys/data-dir.js';
import { LOG_KEY_FILE, LOG_VKEY_FILE, loadOrCreateLogKey } from '../src/keys/log-key.js';

const root = mkdtempSync(join(tmpdir(), 'seclog-keys-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${n++}`);
const mode = (path: string) => statSync(path).mode & 0o777;
const posix = process.platform !== 'win32';

async function rejectsWith(p: Promise<unknown>, code: string, fileName?: string): Promise<void> {
  await assert.rejects(p, (err) => {
    assert.ok(isSeclogError(err), String(err));
    assert.equal(err.code, code, err.message);
    if (fileName !== undefined) assert.ok(String(err.details.file).endsWith(fileName) && err.message.includes(fileName), err.message);
    return true;
  });
}

test('data dir: created with mode 0700 on first run, reused after', async () => {
  const dir = join(fresh(), 'nested');
  const first = await initDataDir(dir);
  assert.equal(first.created, true);
  if (posix) assert.equal(mode(dir), 0o700);
  writeFileSync(join(dir, 'keep'), 'x');
  const second = await initDataDir(dir);
  assert.deepEqual(second, { path: first.path, created: false });
  assert.equal(readFileSync(join(dir, 'keep'), 'utf8'), 'x');
});

test('data dir: a path that is a file is DATA_DIR_INVALID', async () => {
  const file = join(root, 'plain-file');
  writeFileSync(file, '');
  await rejectsWith(initDataDir(file), 'DATA_DIR_INVALID');
  await rejectsWith(initDataDir(join(file, 'below')), 'DATA_DIR_INVALID');
});

test('log key: generated once with mode 0600, reloaded identical; vkey written and usable', async () => {
  const { path } = await initDataDir(fresh());
  const a = await loadOrCreateLogKey(path);
  assert.equal(a.created, true);
  assert.match(a.origin, /^seclog\.local\/[0-9a-f]{8}\/log$/);
  const keyText = readFileSync(join(path, LOG_KEY_FILE), 'utf8');
  assert.match(keyText, /^PRIVATE\+KEY\+seclog\.local\/[0-9a-f]{8}\/log\+[0-9a-f]{8}\+\S+\n$/);
  if (posix) assert.equal(mode(join(path, LOG_KEY_FILE)), 0o600);
  assert.equal(readFileSync(join(path, LOG_VKEY_FILE), 'utf8'), `${a.verifierKey}\n`);

  const b = await loadOrCreateLogKey(path);
  assert.equal(b.created, false);
  assert.deepEqual([b.origin, b.verifierKey, b.signer.keyId], [a.origin, a.verifierKey, a.signer.keyId]);
  assert.equal(readFileSync(join(path, LOG_KEY_FILE), 'utf8'), keyText, 'key file untouched');

  // The derived vkey verifies what the signer signs: a checkpoint round trip.
  const note = signCheckpoint({ origin: b.origin, size: 0, root: emptyRoot(), extensions: [] }, [b.signer]);
  const opened = openCheckpoint(note, { origin: a.origin, verifiers: [createNoteVerifier(a.verifierKey)] });
  assert.equal(opened.checkpoint.size, 0);
});

test('log key: the origin is stable across runs and a configured origin is used on first run only', async () => {
  const { path } = await initDataDir(fresh());
  const first = await loadOrCreateLogKey(path, { origin: 'example.com/device-log' });
  assert.equal(first.origin, 'example.com/device-log');
  assert.equal((await loadOrCreateLogKey(path)).origin, 'example.com/device-log');
  assert.equal((await loadOrCreateLogKey(path, { origin: 'example.com/device-log' })).origin, 'example.com/device-log');
  await rejectsWith(loadOrCreateLogKey(path, { origin: 'example.com/other' }), 'KEY_ORIGIN_MISMATCH', LOG_KEY_FILE);
});

const corruptions: { name: string; text: string }[] = [
  { name: 'empty', text: '' },
  { name: 'garbage', text: 'not a key\n' },
  { name: 'truncated', text: 'PRIVATE+KEY+seclog.local/ab/log+0011' },
  { name: 'two lines', text: 'a\nb\n' },
];
for (const c of corruptions) {
  test(`log key: corrupt file (${c.name}) is KEY_INVALID naming the file, never regenerated`, async () => {
    const { path } = await initDataDir(fresh());
    writeFileSync(join(path, LOG_KEY_FILE), c.text, { mode: 0o600 });
    await rejectsWith(loadOrCreateLogKey(path), 'KEY_INVALID', LOG_KEY_FILE);
    assert.equal(readFileSync(join(path, LOG_KEY_FILE), 'utf8'), c.text);
  });
}

test('log key: bit flip in the seed is caught by the key ID check', async () => {
  const { path } = await initDataDir(fresh());
  await loadOrCreateLogKey(path);
  const file = join(path, LOG_KEY_FILE);
  const text = readFileSync(file, 'utf8');
  const i = text.length - 6; // inside the base64 seed
  writeFileSync(file, text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1));
  await rejectsWith(loadOrCreateLogKey(path), 'KEY_INVALID', LOG_KEY_FILE);
});

test('log key: a lost key with its vkey left behind is not a first run', async () => {
  const { path } = await initDataDir(fresh());
  await loadOrCreateLogKey(path);
  rmSync(join(path, LOG_KEY_FILE));
  await rejectsWith(loadOrCreateLogKey(path), 'KEY_INVALID', LOG_KEY_FILE);
});

test('log key: a vkey from another key is KEY_MISMATCH; a deleted vkey is rewritten', async () => {
  const a = (await initDataDir(fresh())).path;
  const b = (await initDataDir(fresh())).path;
  await loadOrCreateLogKey(a);
  const kb = await loadOrCreateLogKey(b);
  writeFileSync(join(a, LOG_VKEY_FILE), readFileSync(join(b, LOG_VKEY_FILE)));
  await rejectsWith(loadOrCreateLogKey(a), 'KEY_MISMATCH', LOG_VKEY_FILE);
  rmSync(join(b, LOG_VKEY_FILE));
  assert.equal((await loadOrCreateLogKey(b)).verifierKey, kb.verifierKey);
  assert.equal(readFileSync(join(b, LOG_VKEY_FILE), 'utf8'), `${kb.verifierKey}\n`);
});

test('log key: group- or world-readable key file is refused', { skip: !posix && 'POSIX modes only' }, async () => {
  const { path } = await initDataDir(fresh());
  await loadOrCreateLogKey(path);
  chmodSync(join(path, LOG_KEY_FILE), 0o644);
  await rejectsWith(loadOrCreateLogKey(path), 'KEY_FILE_MODE', LOG_KEY_FILE);
});

test('log key: two first runs racing end with one key', async () => {
  const { path } = await initDataDir(fresh());
  const [x, y] = await Promise.all([loadOrCreateLogKey(path), loadOrCreateLogKey(path)]);
  assert.equal(x.verifierKey, y.verifierKey);
  assert.equal([x.created, y.created].filter(Boolean).length, 1);
});

test('regression: a seed whose base64 holds "+" loads (the key data is after the fourth "+")', async () => {
  const { path } = await initDataDir(fresh());
  let key = generateNoteKey('example.com/log');
  while (!key.signerKey.split('+').slice(4).join('+').includes('+')) key = generateNoteKey('example.com/log');
  writeFileSync(join(path, LOG_KEY_FILE), `${key.signerKey}\n`, { mode: 0o600 });
  assert.equal((await loadOrCreateLogKey(path)).verifierKey, key.verifierKey);
});
