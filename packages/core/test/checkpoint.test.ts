import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Checkpoint } from '../src/checkpoint/checkpoint.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from '../src/checkpoint/checkpoint.js';
import { createNoteSigner, createNoteVerifier, generateNoteKey } from '../src/checkpoint/note-key.js';
import { parseNote, signNote } from '../src/checkpoint/signed-note.js';
import type { ErrorCode } from '../src/errors.js';
import { isSeclogError } from '../src/errors.js';
import { verifyConsistency } from '../src/merkle/consistency-proof.js';
import type { Hash } from '../src/merkle/hash.js';
import { verifyInclusion } from '../src/merkle/inclusion-proof.js';
import { createMerkleTree } from '../src/merkle/tree.js';

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => isSeclogError(err, code));
}

// c2sp.org/tlog-checkpoint, the example at the top of the spec (its key is
// not published, so only the syntax can be checked).
const C2SP_CHECKPOINT =
  'example.com/behind-the-sofa\n' +
  '20852163\n' +
  'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n' +
  '\n' +
  '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

const ROOT = new Uint8Array(32).fill(7) as Hash;
const ROOT_B64 = Buffer.from(ROOT).toString('base64');

describe('checkpoint body', () => {
  test('the c2sp.org/tlog-checkpoint example parses and formats back byte for byte', () => {
    const note = parseNote(C2SP_CHECKPOINT);
    const cp = parseCheckpoint(note.text);
    assert.equal(cp.origin, 'example.com/behind-the-sofa');
    assert.equal(cp.size, 20852163);
    assert.equal(Buffer.from(cp.root).toString('base64'), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    assert.deepEqual(cp.extensions, []);
    assert.equal(formatCheckpoint(cp), note.text);
    assert.equal(note.signatures[0]?.name, 'example.com/behind-the-sofa');
  });

  test('extension lines round-trip; size 0 is written "0"', () => {
    const cp: Checkpoint = { origin: 'log.example/x', size: 0, root: ROOT, extensions: ['ext one', 'ext-two'] };
    const text = formatCheckpoint(cp);
    assert.equal(text, `log.example/x\n0\n${ROOT_B64}\next one\next-two\n`);
    const back = parseCheckpoint(text);
    assert.deepEqual({ ...back, root: Buffer.from(back.root).toString('hex') }, { ...cp, root: Buffer.from(ROOT).toString('hex') });
  });

  const bad: { name: string; text: string; code: ErrorCode }[] = [
    { name: 'two lines', text: `o\n1\n`, code: 'CHECKPOINT_TEXT_INVALID' },
    { name: 'no final newline', text: `o\n1\n${ROOT_B64}`, code: 'CHECKPOINT_TEXT_INVALID' },
    { name: 'empty origin', text: `\n1\n${ROOT_B64}\n`, code: 'CHECKPOINT_ORIGIN_INVALID' },
    { name: 'leading zero', text: `o\n01\n${ROOT_B64}\n`, code: 'CHECKPOINT_SIZE_INVALID' },
    { name: 'plus sign', text: `o\n+1\n${ROOT_B64}\n`, code: 'CHECKPOINT_SIZE_INVALID' },
    { name: 'negative', text: `o\n-1\n${ROOT_B64}\n`, code: 'CHECKPOINT_SIZE_INVALID' },
    { name: 'hex size', text: `o\n0x10\n${ROOT_B64}\n`, code: 'CHECKPOINT_SIZE_INVALID' },
    { name: 'size above 2^53 − 1', text: `o\n9007199254740992\n${ROOT_B64}\n`, code: 'CHECKPOINT_SIZE_INVALID' },
    { name: 'empty size', text: `o\n\n${ROOT_B64}\n`, code: 'CHECKPOINT_SIZE_INVALID' },
    { name: 'root of 31 bytes', text: `o\n1\n${Buffer.alloc(31).toString('base64')}\n`, code: 'CHECKPOINT_ROOT_INVALID' },
    { name: 'root without padding', text: `o\n1\n${ROOT_B64.replace('=', '')}\n`, code: 'CHECKPOINT_ROOT_INVALID' },
    {
      name: 'root in URL-safe base64',
      text: `o\n1\n${Buffer.from(new Uint8Array(32).fill(0xfb)).toString('base64url')}=\n`,
      code: 'CHECKPOINT_ROOT_INVALID',
    },
    { name: 'root as hex', text: `o\n1\n${Buffer.from(ROOT).toString('hex')}\n`, code: 'CHECKPOINT_ROOT_INVALID' },
    { name: 'empty extension line', text: `o\n1\n${ROOT_B64}\n\n`, code: 'CHECKPOINT_EXTENSION_INVALID' },
    { name: 'tab in extension', text: `o\n1\n${ROOT_B64}\na\tb\n`, code: 'CHECKPOINT_EXTENSION_INVALID' },
  ];
  for (const c of bad) test(`malformed body: ${c.name} → ${c.code}`, () => throwsCode(() => parseCheckpoint(c.text), c.code));

  test('format refuses what it could not parse back', () => {
    const ok: Checkpoint = { origin: 'o', size: 1, root: ROOT, extensions: [] };
    throwsCode(() => formatCheckpoint({ ...ok, origin: '' }), 'CHECKPOINT_ORIGIN_INVALID');
    throwsCode(() => formatCheckpoint({ ...ok, origin: 'a\nb' }), 'CHECKPOINT_ORIGIN_INVALID');
    throwsCode(() => formatCheckpoint({ ...ok, size: -1 }), 'CHECKPOINT_SIZE_INVALID');
    throwsCode(() => formatCheckpoint({ ...ok, size: 2 ** 53 }), 'CHECKPOINT_SIZE_INVALID');
    throwsCode(() => formatCheckpoint({ ...ok, root: new Uint8Array(31) as Hash }), 'CHECKPOINT_ROOT_INVALID');
    throwsCode(() => formatCheckpoint({ ...ok, extensions: [''] }), 'CHECKPOINT_EXTENSION_INVALID');
  });

  test('format then parse is the identity (property)', () => {
    const line = fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }).filter((s) => !/[\u0000-\u001f]/.test(s));
    fc.assert(
      fc.property(
        line,
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, root, extensions) => {
          const back = parseCheckpoint(formatCheckpoint({ origin, size, root: root as Hash, extensions }));
          assert.equal(back.origin, origin);
          assert.equal(back.size, size);
          assert.deepEqual([...back.root], [...root]);
          assert.deepEqual(back.extensions, extensions);
        },
      ),
    );
  });
});

describe('signed checkpoints', () => {
  const origin = 'collector.example/seclog';
  const log = generateNoteKey(origin);
  const signer = createNoteSigner(log.signerKey);
  const verifier = createNoteVerifier(log.verifierKey);

  test('a tree head signed by the log opens with the pinned origin and key, and proofs verify against it', () => {
    const tree = createMerkleTree();
    tree.appendLeaves(Array.from({ length: 11 }, (_, i) => Buffer.from(`event ${i}`)));
    const old = openCheckpoint(signCheckpoint({ origin, size: 7, root: tree.root(7), extensions: [] }, [signer]), {
      origin,
      verifiers: [verifier],
    }).checkpoint;
    const note = signCheckpoint({ origin, size: tree.size, root: tree.root(), extensions: [] }, [signer]);
    assert.match(note, /^collector\.example\/seclog\n11\n[A-Za-z0-9+/]{43}=\n\n\u2014 collector\.example\/seclog [A-Za-z0-9+/]{91}=\n$/);
    const { checkpoint, note: opened } = openCheckpoint(note, { origin, verifiers: [verifier] });
    assert.equal(opened.verified[0]?.keyId, verifier.keyId);
    verifyInclusion(3, checkpoint.size, tree.leafHash(3), tree.inclusionProof(3, checkpoint.size), checkpoint.root);
    verifyConsistency(old.size, checkpoint.size, tree.consistencyProof(old.size), old.root, checkpoint.root);
  });

  test('a pinned origin that differs is refused even with a valid signature', () => {
    const note = signCheckpoint({ origin, size: 0, root: createMerkleTree().root(), extensions: [] }, [signer]);
    throwsCode(() => openCheckpoint(note, { origin: 'other.example/log', verifiers: [verifier] }), 'CHECKPOINT_ORIGIN_MISMATCH');
  });

  test('any change to the signed body breaks the signature', () => {
    const note = signCheckpoint({ origin, size: 5, root: ROOT, extensions: [] }, [signer]);
    throwsCode(() => openCheckpoint(note.replace('\n5\n', '\n6\n'), { origin, verifiers: [verifier] }), 'NOTE_SIGNATURE_INVALID');
    const otherKey = createNoteVerifier(generateNoteKey(origin).verifierKey);
    throwsCode(() => openCheckpoint(note, { origin, verifiers: [otherKey] }), 'NOTE_UNVERIFIED');
  });

  test('a witness cosignature added later keeps the log signature', () => {
    const witness = generateNoteKey('witness.example/w1');
    const note = signCheckpoint({ origin, size: 5, root: ROOT, extensions: [] }, [signer]);
    const parsed = parseNote(note);
    const cosigned = signNote(parsed.text, [createNoteSigner(witness.signerKey)], parsed.signatures);
    const witnessVerifier = createNoteVerifier(witness.verifierKey);
    assert.equal(openCheckpoint(cosigned, { origin, verifiers: [verifier, witnessVerifier] }).note.verified.length, 2);
    const logOnly = openCheckpoint(cosigned, { origin, verifiers: [verifier] }).note;
    assert.deepEqual([logOnly.verified.length, logOnly.unverified.length], [1, 1]);
  });
});
