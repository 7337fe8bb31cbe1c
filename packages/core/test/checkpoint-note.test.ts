// Signed notes and note keys, checked against the published examples of
// golang.org/x/mod/sumdb/note (note_test.go, note.go package doc) and
// c2sp.org/signed-note. Vector strings are copied verbatim from those sources.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NoteSigner, NoteVerifier } from '../src/checkpoint/note-key.js';
import {
  createNoteSigner,
  createNoteVerifier,
  ed25519KeyId,
  generateNoteKey,
  verifierKeyFromPublicKey,
} from '../src/checkpoint/note-key.js';
import { MAX_NOTE_SIGNATURES, openNote, parseNote, signNote } from '../src/checkpoint/signed-note.js';
import type { ErrorCode } from '../src/errors.js';
import { isSeclogError } from '../src/errors.js';

function throwsCode(fn: () => unknown, code: ErrorCode, message?: string): void {
  assert.throws(fn, (err: unknown) => isSeclogError(err, code), message);
}

/** Go's `s[:60] + "ABCD" + s[60:]`: the offset counts UTF-8 bytes, and the em dash is 3 of them. */
function insertAtByte(line: string, offset: number, insert: string): string {
  const b = Buffer.from(line);
  return `${b.subarray(0, offset).toString()}${insert}${b.subarray(offset).toString()}`;
}

function rejects(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    assert.ok(isSeclogError(err), `not a SeclogError: ${String(err)}`);
    return true;
  }
}

// golang.org/x/mod/sumdb/note/note_test.go: TestNewVerifier, TestNewSigner,
// TestSign, TestVerifierList, TestOpen.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const PETER = {
  name: 'PeterNeumann',
  keyId: 0xc74f20a3,
  base64: 'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
};
const ENOCH = {
  name: 'EnochRoot',
  keyId: 0xaf0cfe78,
  base64: 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=',
};

// c2sp.org/signed-note, the example at the top of the spec.
const C2SP_NOTE =
  'Ognuno sta solo sul cuor della terra\n' +
  'trafitto da un raggio di sole:\n' +
  '\n' +
  'ed è subito sera.\n' +
  '\n' +
  '\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';

describe('note keys (Go TestNewVerifier, TestNewSigner)', () => {
  test('the PeterNeumann verifier key parses with its name and key ID', () => {
    const v = createNoteVerifier(PETER_VKEY);
    assert.equal(v.name, 'PeterNeumann');
    assert.equal(v.keyId, 0xc74f20a3);
  });

  test('every proper substring and every single-byte increment of the verifier key is rejected', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i !== 0 || j !== PETER_VKEY.length) {
          assert.ok(
            rejects(() => createNoteVerifier(PETER_VKEY.slice(i, j))),
            PETER_VKEY.slice(i, j),
          );
        }
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const k = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      assert.ok(
        rejects(() => createNoteVerifier(k)),
        k,
      );
    }
  });

  test('wrong key length and unknown algorithm are rejected even with an adjusted key ID', () => {
    throwsCode(() => createNoteVerifier('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), 'NOTE_KEY_INVALID');
    throwsCode(() => createNoteVerifier('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'NOTE_KEY_INVALID');
  });

  test('the PeterNeumann signer key parses, and every mangling of it is rejected', () => {
    const s = createNoteSigner(PETER_SKEY);
    assert.equal(s.name, 'PeterNeumann');
    assert.equal(s.keyId, 0xc74f20a3);
    for (let i = 0; i <= PETER_SKEY.length; i++) {
      for (let j = i + 1; j <= PETER_SKEY.length; j++) {
        if (i !== 0 || j !== PETER_SKEY.length) assert.ok(rejects(() => createNoteSigner(PETER_SKEY.slice(i, j))));
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const k = PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      assert.ok(
        rejects(() => createNoteSigner(k)),
        k,
      );
    }
  });

  test('generated keys are self-consistent (Go TestGenerateKey)', () => {
    const { signerKey, verifierKey } = generateNoteKey('EnochRoot');
    assert.match(signerKey, /^PRIVATE\+KEY\+EnochRoot\+[0-9a-f]{8}\+/);
    const signer = createNoteSigner(signerKey);
    const verifier = createNoteVerifier(verifierKey);
    assert.equal(signer.keyId, verifier.keyId);
    const msg = Buffer.from('hi');
    const sig = signer.sign(msg);
    assert.ok(verifier.verify(msg, sig));
    sig[0] = (sig[0] as number) ^ 1;
    assert.ok(!verifier.verify(msg, sig), 'corrupt signature');
    sig[0] = (sig[0] as number) ^ 1;
    assert.ok(!verifier.verify(Buffer.from('hj'), sig), 'corrupt message');
    throwsCode(() => generateNoteKey('bad name'), 'NOTE_NAME_INVALID');
  });

  test('a verifier key from a raw public key matches (Go TestFromEd25519); 31 bytes is refused', () => {
    const key = Buffer.from(PETER_VKEY.split('+')[2] as string, 'base64').subarray(1);
    assert.equal(verifierKeyFromPublicKey('PeterNeumann', key), PETER_VKEY);
    assert.equal(ed25519KeyId('PeterNeumann', key), 0xc74f20a3);
    throwsCode(() => verifierKeyFromPublicKey('PeterNeumann', key.subarray(1)), 'NOTE_KEY_INVALID');
  });
});

describe('signing (Go TestSign)', () => {
  const signer = createNoteSigner(PETER_SKEY);

  test('reproduces the PeterNeumann note byte for byte', () => {
    assert.equal(signNote(TEXT, [signer]), `${TEXT}\n${PETER_SIG}`);
  });

  test('an existing signature by the same key is replaced', () => {
    const stale = { name: 'PeterNeumann', keyId: 0xc74f20a3, base64: 'BADSIGN=' };
    assert.equal(signNote(TEXT, [signer], [stale]), `${TEXT}\n${PETER_SIG}`);
  });

  test('existing signatures come first, new ones after', () => {
    assert.equal(signNote(TEXT, [signer], [ENOCH]), `${TEXT}\n${ENOCH_SIG}${PETER_SIG}`);
  });

  test('bad inputs are refused', () => {
    throwsCode(() => signNote('abc', [signer]), 'NOTE_TEXT_INVALID');
    throwsCode(() => signNote('a\tb\n', [signer]), 'NOTE_TEXT_INVALID');
    throwsCode(() => signNote(TEXT, [], [{ name: 'a+b', keyId: 0, base64: 'ABCD' }]), 'NOTE_SIGNATURE_LINE_INVALID');
    throwsCode(() => signNote(TEXT, [], [{ name: 'PeterNeumann', keyId: 0xc74f20a3, base64: 'BADHASH=' }]), 'NOTE_SIGNATURE_LINE_INVALID');
    const badSigner: NoteSigner = { name: 'bad name', keyId: signer.keyId, sign: (m) => signer.sign(m) };
    throwsCode(() => signNote(TEXT, [badSigner]), 'NOTE_NAME_INVALID');
    throwsCode(() => signNote(TEXT, []), 'NOTE_SIGNATURE_BLOCK_MISSING');
  });
});

describe('opening (Go TestVerifierList, TestOpen)', () => {
  const peter = createNoteVerifier(PETER_VKEY);
  const enoch = createNoteVerifier(ENOCH_VKEY);
  const both = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;

  test('one known key: its signature is verified, the other is ignored', () => {
    const n = openNote(both, [peter]);
    assert.equal(n.text, TEXT);
    assert.deepEqual(n.verified, [PETER]);
    assert.deepEqual(n.unverified, [ENOCH]);
  });

  test('both keys known: both verified, in note order', () => {
    const n = openNote(Buffer.from(both), [peter, enoch]);
    assert.deepEqual(n.verified, [PETER, ENOCH]);
    assert.deepEqual(n.unverified, []);
  });

  test('no known key: NOTE_UNVERIFIED naming the signers', () => {
    assert.throws(
      () => openNote(both, []),
      (err: unknown) =>
        isSeclogError(err, 'NOTE_UNVERIFIED') &&
        JSON.stringify(err.details.signatures) === JSON.stringify(['PeterNeumann+c74f20a3', 'EnochRoot+af0cfe78']),
    );
  });

  test('a key listed twice is ambiguous when used, harmless when not', () => {
    throwsCode(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]), 'NOTE_KEY_AMBIGUOUS');
    assert.deepEqual(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]).verified, [PETER]);
  });

  test('a known key with the wrong ID or name is an unknown key', () => {
    const wrongId = PETER_SIG.replace('x08g', 'xxxx');
    throwsCode(() => openNote(`${TEXT}\n${wrongId}`, [peter]), 'NOTE_UNVERIFIED');
    const misnamed = PETER_SIG.replaceAll('PeterNeumann', 'CarmenSandiego');
    throwsCode(() => openNote(`${TEXT}\n${misnamed}`, [peter]), 'NOTE_UNVERIFIED');
  });

  test('more than 100 signatures are refused, known keys or not', () => {
    throwsCode(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]), 'NOTE_TOO_MANY_SIGNATURES');
    throwsCode(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, []), 'NOTE_TOO_MANY_SIGNATURES');
    assert.equal(MAX_NOTE_SIGNATURES, 100);
  });

  test('an invalid signature from a known key rejects the whole note', () => {
    const bad = insertAtByte(PETER_SIG, 60, 'ABCD');
    throwsCode(() => openNote(`${TEXT}\n${bad}`, [peter]), 'NOTE_SIGNATURE_INVALID');
    throwsCode(() => openNote(`${TEXT}\n${bad}${PETER_SIG}`, [peter]), 'NOTE_SIGNATURE_INVALID');
  });

  test('repeated signatures are reported once', () => {
    const enochAbcd = insertAtByte(ENOCH_SIG, 60, 'ABCD');
    const n = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochAbcd}`, [peter]);
    assert.deepEqual(n.verified, [PETER]);
    assert.deepEqual(n.unverified, [
      ENOCH,
      // enochABCD in note_test.go
      { ...ENOCH, base64: 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n' + 'ABCD' + '2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=' },
    ]);
  });

  const malformed: { name: string; msg: string | Uint8Array; code: ErrorCode }[] = [
    { name: 'text only', msg: TEXT, code: 'NOTE_SIGNATURE_BLOCK_MISSING' },
    { name: 'blank line, no signatures', msg: `${TEXT}\n`, code: 'NOTE_SIGNATURE_BLOCK_MISSING' },
    { name: 'truncated: no final newline', msg: `${TEXT}\n${PETER_SIG.slice(0, -1)}`, code: 'NOTE_SIGNATURE_BLOCK_MISSING' },
    { name: 'control character 0x01', msg: `\x01${TEXT}\n${PETER_SIG}`, code: 'NOTE_ENCODING_INVALID' },
    {
      name: 'invalid UTF-8 byte 0xff',
      msg: Buffer.concat([Buffer.of(0xff), Buffer.from(`${TEXT}\n${PETER_SIG}`)]),
      code: 'NOTE_ENCODING_INVALID',
    },
    { name: 'lone surrogate', msg: `\ud800${TEXT}\n${PETER_SIG}`, code: 'NOTE_ENCODING_INVALID' },
    {
      name: 'space in key name',
      msg: `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      code: 'NOTE_SIGNATURE_BLOCK_MISSING',
    },
    {
      name: 'space in key name, newline-terminated',
      msg: `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      code: 'NOTE_SIGNATURE_LINE_INVALID',
    },
    { name: 'trailing garbage line', msg: `${TEXT}\n${PETER_SIG}Unexpected line.\n`, code: 'NOTE_SIGNATURE_LINE_INVALID' },
    { name: 'hyphen instead of em dash', msg: `${TEXT}\n${PETER_SIG.replace('\u2014', '-')}`, code: 'NOTE_SIGNATURE_LINE_INVALID' },
    { name: 'signature of 4 bytes', msg: `${TEXT}\n\u2014 PeterNeumann x08gow==\n`, code: 'NOTE_SIGNATURE_LINE_INVALID' },
    { name: 'URL-safe base64', msg: `${TEXT}\n${PETER_SIG.replace('/', '_')}`, code: 'NOTE_SIGNATURE_LINE_INVALID' },
  ];
  for (const c of malformed) {
    test(`malformed note: ${c.name} → ${c.code}`, () => throwsCode(() => openNote(c.msg, [peter]), c.code));
  }
});

describe('c2sp.org/signed-note example', () => {
  test('the text keeps its inner blank line; the last blank line separates the signature', () => {
    const n = parseNote(C2SP_NOTE);
    assert.equal(n.text, 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    assert.equal(n.signatures.length, 1);
    assert.equal(n.signatures[0]?.name, 'quasimodo.example/salvatore');
    const raw = Buffer.from(n.signatures[0]?.base64 ?? '', 'base64');
    assert.equal(raw.length, 4 + 64);
    assert.equal(n.signatures[0]?.keyId, raw.readUInt32BE(0));
  });

  test('its key is not published, so opening it with other keys fails as unverified', () => {
    throwsCode(() => openNote(C2SP_NOTE, [createNoteVerifier(PETER_VKEY)]), 'NOTE_UNVERIFIED');
  });
});

describe('many signers', () => {
  test('16 signatures (the spec minimum) all verify; unknown ones are ignored', () => {
    const keys = Array.from({ length: 16 }, (_, i) => generateNoteKey(`witness.example/w${i}`));
    const signers = keys.map((k) => createNoteSigner(k.signerKey));
    const verifiers: NoteVerifier[] = keys.map((k) => createNoteVerifier(k.verifierKey));
    const note = signNote('log.example/a\n1\nAAAA\n', signers);
    assert.equal(openNote(note, verifiers).verified.length, 16);
    const some = openNote(note, verifiers.slice(3, 5));
    assert.equal(some.verified.length, 2);
    assert.equal(some.unverified.length, 14);
  });
});
