/**
 * HTML from the documentation's markdown: a renderer for exactly the subset
 * docs-markdown.ts emits (headings #–###, paragraphs, "- " lists, pipe
 * tables, **strong**, `code`, backslash escapes). Nothing in the input is
 * passed through as HTML: every character of text is escaped, so a hostile
 * device id or rule title is shown, never run. The page is self-contained
 * (inline CSS, no scripts, no external resources) and its Content Security
 * Policy forbids any request, so a viewer or the PDF printer fetches nothing.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** Inline markup of one line: escapes, code spans, strong. */
export function renderInline(src: string): string {
  let out = '';
  let strong = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\' && i + 1 < src.length) {
      out += escapeHtml(src[++i] as string);
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end === -1) {
        out += '`';
        continue;
      }
      out += `<code>${escapeHtml(src.slice(i + 1, end))}</code>`;
      i = end;
    } else if (c === '*' && src[i + 1] === '*') {
      // Opened only when a closing ** follows, so a stray pair cannot leave a tag open.
      if (strong || src.indexOf('**', i + 2) !== -1) {
        out += strong ? '</strong>' : '<strong>';
        strong = !strong;
      } else out += '**';
      i++;
    } else out += escapeHtml(c);
  }
  return strong ? `${out}</strong>` : out;
}

/** Splits a table row on the pipes that are not escaped. */
function cells(line: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      cur += c + (line[++i] as string);
    } else if (c === '|') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  // A row is "| a | b |": the text before the first and after the last pipe is empty.
  return parts.slice(1, -1).map((p) => p.trim());
}

export function renderMarkdownHtml(md: string): string {
  const lines = md.split('\n');
  const out: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push(`<p>${para.map(renderInline).join(' ')}</p>`);
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (heading) {
      flush();
      const level = (heading[1] as string).length;
      out.push(`<h${level}>${renderInline(heading[2] as string)}</h${level}>`);
    } else if (line.startsWith('- ')) {
      flush();
      const items: string[] = [];
      while (i < lines.length && (lines[i] as string).startsWith('- '))
        items.push(`<li>${renderInline((lines[i++] as string).slice(2))}</li>`);
      i--;
      out.push(`<ul>${items.join('')}</ul>`);
    } else if (line.startsWith('|') && /^\|(-+\|)+$/.test(lines[i + 1] ?? '')) {
      flush();
      const head = cells(line).map((c) => `<th>${renderInline(c)}</th>`);
      i += 2;
      const rows: string[] = [];
      while (i < lines.length && (lines[i] as string).startsWith('|')) {
        rows.push(
          `<tr>${cells(lines[i++] as string)
            .map((c) => `<td>${renderInline(c)}</td>`)
            .join('')}</tr>`,
        );
      }
      i--;
      out.push(`<table><thead><tr>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
    } else if (line.trim() === '') {
      flush();
    } else para.push(line);
  }
  flush();
  return out.join('\n');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:1100px;margin:2em auto;padding:0 1.5em}
h1{font-size:1.6em;border-bottom:2px solid #1b1f24;padding-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #c9ced6}
table{border-collapse:collapse;width:100%;margin:.6em 0 1em;font-size:12px}th,td{border:1px solid #c9ced6;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#eef1f5}code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#eef1f5;padding:0 3px}li{margin:.2em 0;overflow-wrap:break-word}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
`;

/** A complete, self-contained HTML page of the markdown. */
export function renderDocsHtml(md: string, title: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    renderMarkdownHtml(md),
    '</body></html>',
    '',
  ].join('\n');
}
