import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDashboardRoute } from '../src/index.js';

test('dashboard routes, not API paths', () => {
  assert.ok(isDashboardRoute('/'));
  assert.ok(isDashboardRoute('/events'));
  assert.ok(isDashboardRoute('/alerts/0190?x=1'));
  assert.ok(!isDashboardRoute('/api/v1/events'));
  assert.ok(!isDashboardRoute('/eventsx'));
});
