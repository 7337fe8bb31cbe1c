import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createUuidV7Generator, isUuidV7, uuidV7Time, uuidv7 } from '../src/id/uuidv7.js';

test('layout: version 7, RFC 9562 variant, lower-case hex', () => {
  for (let i = 0; i < 1000; i++) assert.ok(isUuidV7(uuidv7()));
});

test('the timestamp field carries the milliseconds given (RFC 9562 §5.7 example time)', () => {
  const gen = createUuidV7Generator();
  // RFC 9562 Appendix A.6 uses 2022-02-22T19:22:22Z = 0x017F22E279B0 ms.
  const id = gen(0x017f22e279b0);
  assert.equal(id.slice(0, 13), '017f22e2-79b0');
  assert.equal(uuidV7Time(id), 0x017f22e279b0);
});

test('strictly increasing within one millisecond and when the clock steps back', () => {
  const gen = createUuidV7Generator();
  let last = '';
  const times = [1000, 1000, 1000, 999, 500, 1001, 1001, 0];
  for (let round = 0; round < 600; round++) {
    for (const t of times) {
      const id = gen(t + round);
      assert.ok(id > last, `${id} after ${last}`);
      last = id;
    }
  }
});

test('more than 4096 ids in one millisecond still increase (counter overflow borrows the next ms)', () => {
  const gen = createUuidV7Generator();
  let last = '';
  for (let i = 0; i < 10_000; i++) {
    const id = gen(5000);
    assert.ok(id > last);
    last = id;
  }
});

test('any sequence of clock readings gives unique, ordered, valid ids', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 47 }), { minLength: 1, maxLength: 200 }), (times) => {
      const gen = createUuidV7Generator();
      const ids = times.map((t) => gen(t));
      for (const id of ids) assert.ok(isUuidV7(id));
      for (let i = 1; i < ids.length; i++) assert.ok((ids[i] as string) > (ids[i - 1] as string));
    }),
  );
});
