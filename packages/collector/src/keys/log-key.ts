/**
 * The log's Ed25519 checkpoint signing key, as C2SP signed-note key strings
 * (c2sp.org/signed-note) in the data directory:
 *
 *   log.key   0600  PRIVATE+KEY+<origin>+<key ID>+<base64(0x01 ‖ seed)>\n
 *   log.vkey  0644  <origin>+<key ID>+<base64(0x01 ‖ public key)>\n
 *
 * The key name is the log origin. It is chosen once, on first run, and from
 * then on read back from log.key, because a checkpoint origin must never
 * change: monitors pin it, and checkpoints under two origins are two logs.
 *
 * Nothing here regenerates a key that is present but unreadable, corrupt or
 * inconsistent: a new key would silently fork the log's identity. Those are
 * errors naming the file; the fix is restoring it from backup.
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createNoteSigner, generateNoteKey, isSeclogError, type NoteSigner, SeclogError, verifierKeyFromPublicKey } from '@seclog/core';
import { writeFileAtomic } from './atomic-write.js';

export const LOG_KEY_FILE = 'log.key';
export const LOG_VKEY_FILE = 'log.vkey';

export interface LogKey {
  /** The checkpoint origin, equal to the key name. */
  readonly origin: string;
  readonly signer: NoteSigner;
  /** Verifier key string, also in log.vkey, for monitors and `seclog verify`. */
  readonly verifierKey: string;
  /** True when this call generated the key (first run). */
  readonly created: boolean;
}

export interface LogKeyOptions {
  /** config.log.origin: used on first run; on later runs it must equal the stored origin. */
  readonly origin?: string;
}

/** The first-run origin: unique per installation so two collectors' checkpoints never collide. */
export function defaultLogOrigin(): string {
  return `seclog.local/${randomBytes(4).toString('hex')}/log`;
}

/** Loads the log key from `dataDir`, generating it on first run. */
export async function loadOrCreateLogKey(dataDir: string, options: LogKeyOptions = {}): Promise<LogKey> {
  const keyFile = join(dataDir, LOG_KEY_FILE);
  const vkeyFile = join(dataDir, LOG_VKEY_FILE);
  let text = await readKeyFile(keyFile);
  let created = false;
  if (text === undefined) {
    // A vkey without its key means the key was lost, not that this is a first run.
    if ((await readKeyFile(vkeyFile)) !== undefined) {
      throw keyInvalid(keyFile, 'missing', `${keyFile} is missing but ${vkeyFile} exists; restore ${LOG_KEY_FILE} from backup`);
    }
    const { signerKey } = generateNoteKey(options.origin ?? defaultLogOrigin());
    try {
      await writeFileAtomic(keyFile, `${signerKey}\n`, { mode: 0o600, replace: false });
      created = true;
    } catch (err) {
      // Another collector won the first-run race: use its key.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    text = (await readKeyFile(keyFile)) ?? '';
  }
  await checkPrivateMode(keyFile);
  const { signer, verifierKey } = parseSignerKey(keyFile, text);
  if (options.origin !== undefined && options.origin !== signer.name) {
    throw new SeclogError(
      'KEY_ORIGIN_MISMATCH',
      `log.origin is ${JSON.stringify(options.origin)} but ${keyFile} was created for ${JSON.stringify(signer.name)}; a checkpoint origin never changes (remove log.origin from the configuration to use the stored one)`,
      { file: keyFile, configured: options.origin, stored: signer.name },
    );
  }
  await ensureVerifierKey(vkeyFile, keyFile, verifierKey);
  return { origin: signer.name, signer, verifierKey, created };
}

function keyInvalid(file: string, reason: string, message: string): SeclogError {
  return new SeclogError('KEY_INVALID', message, { file, reason });
}

/** The file's text, or undefined when it does not exist; any other failure names the file. */
async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw keyInvalid(file, code ?? 'unreadable', `cannot read ${file} (${code ?? String(err)})`);
  }
}

/** Like ssh with a private key: refuse a signing key others could have read (POSIX modes only). */
async function checkPrivateMode(file: string): Promise<void> {
  if (process.platform === 'win32') return;
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SeclogError('KEY_FILE_MODE', `${file} has mode ${mode.toString(8).padStart(4, '0')}; run chmod 600 ${file}`, {
      file,
      mode,
    });
  }
}

// RFC 8410 §7: the DER prefix that wraps a raw 32-byte Ed25519 seed as PKCS #8.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Parses log.key and derives its verifier key; one line, one optional final newline. */
function parseSignerKey(file: string, text: string): { signer: NoteSigner; verifierKey: string } {
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (line === '' || line.includes('\n') || line.includes('\r')) {
    throw keyInvalid(file, 'format', `${file} is not a single signer key line; restore it from backup`);
  }
  let signer: NoteSigner;
  try {
    signer = createNoteSigner(line);
  } catch (err) {
    if (!isSeclogError(err)) throw err;
    const reason = String(err.details.reason ?? 'format');
    throw keyInvalid(file, reason, `${file} is corrupt (${err.message}); restore it from backup`);
  }
  // createNoteSigner has checked the shape and that the key ID matches the
  // seed. The base64 (which may itself hold '+') follows the fourth '+' of
  // PRIVATE+KEY+<name>+<id>+, names having none; it is 0x01 ‖ a 32-byte seed.
  let at = -1;
  for (let i = 0; i < 4; i++) at = line.indexOf('+', at + 1);
  const seed = Buffer.from(line.slice(at + 1), 'base64').subarray(1);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = Buffer.from(jwk.x ?? '', 'base64url');
  return { signer, verifierKey: verifierKeyFromPublicKey(signer.name, publicKey) };
}

/** Writes log.vkey when absent; a log.vkey for another key means one of the pair was replaced. */
async function ensureVerifierKey(vkeyFile: string, keyFile: string, verifierKey: string): Promise<void> {
  const stored = await readKeyFile(vkeyFile);
  if (stored === undefined) {
    try {
      await writeFileAtomic(vkeyFile, `${verifierKey}\n`, { mode: 0o644, replace: false });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return ensureVerifierKey(vkeyFile, keyFile, verifierKey);
    }
  }
  if (stored.replace(/\n$/, '') !== verifierKey) {
    throw new SeclogError(
      'KEY_MISMATCH',
      `${vkeyFile} does not belong to ${keyFile} (expected ${verifierKey}); one of them was replaced: restore both from backup`,
      { file: vkeyFile, keyFile, expected: verifierKey },
    );
  }
}
