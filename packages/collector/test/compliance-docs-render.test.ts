// The documentation's markdown escaping and its HTML renderer (compliance/md-text.ts, docs-html.ts):
// any data value survives markdown → HTML as the same text, escaped, in its own table cell, so a
// hostile device id, rule title or configuration value is shown and never interpreted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml, renderDocsHtml, renderInline, renderMarkdownHtml } from '../src/compliance/docs-html.js';
import { mdTable, mdText } from '../src/compliance/md-text.js';

test('any value, escaped for markdown, renders as exactly its own text escaped for HTML', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      assert.equal(renderInline(mdText(s)), escapeHtml(s.replace(/[\r\n]+/g, ' ')));
    }),
    { numRuns: 500 },
  );
});

test('a value stays in its table cell, whatever pipes and backslashes it holds', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 4 }), (values) => {
      const md = mdTable(
        values.map((_, i) => `c${i}`),
        [values.map(mdText)],
      ).join('\n');
      const html = renderMarkdownHtml(md);
      const cells = [...html.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]);
      assert.deepEqual(
        cells,
        values.map((v) => escapeHtml(v.replace(/[\r\n]+/g, ' ').trim())),
      );
    }),
    { numRuns: 300 },
  );
});

const cases: { name: string; md: string; want: string }[] = [
  { name: 'heading', md: '## 2. How', want: '<h2>2. How</h2>' },
  {
    name: 'strong and code',
    md: '**On** the `seclog verify` path',
    want: '<p><strong>On</strong> the <code>seclog verify</code> path</p>',
  },
  { name: 'unclosed strong stays text', md: 'a ** b', want: '<p>a ** b</p>' },
  { name: 'escaped script tag', md: mdText('<script>alert(1)</script>'), want: '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>' },
  { name: 'list', md: '- a\n- b\n', want: '<ul><li>a</li><li>b</li></ul>' },
  {
    name: 'table',
    md: '| x | y |\n|---|---|\n| 1 | a\\|b |\n',
    want: '<table><thead><tr><th>x</th><th>y</th></tr></thead><tbody><tr><td>1</td><td>a|b</td></tr></tbody></table>',
  },
  { name: 'raw html in source is text', md: '<img src=x onerror=alert(1)>', want: '<p>&lt;img src=x onerror=alert(1)&gt;</p>' },
];
for (const c of cases) test(`renderer: ${c.name}`, () => assert.equal(renderMarkdownHtml(c.md), c.want));

test('the page: a device id with markup in the title is escaped; no script, no external reference', () => {
  const html = renderDocsHtml(`# Devices\n\n- ${mdText('cam-1"><script>x()</script>')}\n`, 'T <b>');
  assert.ok(!html.includes('<script'));
  assert.ok(html.includes('<title>T &lt;b&gt;</title>'));
  assert.ok(html.includes('<li>cam-1&quot;&gt;&lt;script&gt;x()&lt;/script&gt;</li>'));
  assert.doesNotMatch(html, /(src|href)=/);
});
