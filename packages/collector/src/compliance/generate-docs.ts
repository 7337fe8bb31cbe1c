/**
 * Generating the logging section of the technical file (`seclog docs`,
 * GET /api/v1/compliance/docs): gather the model, render the markdown, then
 * HTML and PDF from it. Nothing is recorded until `commit()`: the caller
 * commits once the document is ready to leave (the server before it sends,
 * the CLI after writing its temporary file), and commit appends a log_access
 * record (generating the section reads the log) and stores the generation
 * record the compliance check's documentation item compares with.
 */
import { createHash } from 'node:crypto';
import { formatEventTime, SeclogError } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';
import { renderDocsHtml } from './docs-html.js';
import { DOCS_TITLE, renderDocsMarkdown } from './docs-markdown.js';
import { collectDocsModel, type DocsSources } from './docs-model.js';
import { type PdfOptions, renderPdf } from './docs-pdf.js';
import { type DocsFormat, type DocsRecord, documentationDigest, writeDocsRecord } from './docs-record.js';

export interface DocsReader {
  /** actor.user of the log_access record: `user/<name>`, `api-token/<id>`, or the OS user of the CLI. */
  user: string;
  /** For the generation record and messages: "user alice (admin)". */
  label: string;
  role?: string;
  ip?: string;
}

export interface DocsRequest extends DocsSources {
  format: DocsFormat;
  reader: DocsReader;
  /** Appends records to the collector's own stream and resolves once they are committed. */
  record: (events: OwnEvent[]) => unknown;
  pdf?: PdfOptions;
}

export interface GeneratedDocs {
  format: DocsFormat;
  body: Buffer;
  contentType: string;
  /** A file name for downloads: seclog-logging-section-<date>.<ext>. */
  fileName: string;
  /** The markdown source (also for md output). */
  markdown: string;
  generation: DocsRecord;
  /** Records the generation (log_access, then the generation record); call before the document leaves. */
  commit(): Promise<void>;
}

const CONTENT_TYPES: Record<DocsFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

export async function generateComplianceDocs(req: DocsRequest): Promise<GeneratedDocs> {
  const nowMs = req.nowMs ?? Date.now();
  const configDigest = documentationDigest(req.config, req.rules);
  const at = formatEventTime({ ms: Math.floor(nowMs), us: 0 });
  const pending: DocsRecord = { at, configDigest, format: req.format, sha256: '', by: req.reader.label };
  const model = collectDocsModel({ ...req, nowMs }, configDigest, pending);
  const markdown = renderDocsMarkdown(model);
  const generation: DocsRecord = { ...pending, sha256: createHash('sha256').update(markdown).digest('hex') };
  const body =
    req.format === 'md'
      ? Buffer.from(markdown, 'utf8')
      : req.format === 'html'
        ? Buffer.from(renderDocsHtml(markdown, DOCS_TITLE), 'utf8')
        : await renderPdf(renderDocsHtml(markdown, DOCS_TITLE), req.pdf);
  const records = model.events.reduce((n, e) => n + e.deviceRecords + e.collectorRecords, 0);
  let committed = false;
  return {
    format: req.format,
    body,
    contentType: CONTENT_TYPES[req.format],
    fileName: `seclog-logging-section-${at.slice(0, 10)}.${req.format}`,
    markdown,
    generation,
    commit: async () => {
      if (committed) return;
      try {
        await req.record([
          {
            name: 'log_access',
            input: {
              actor: { user: req.reader.user, ...(req.reader.ip ? { ip: req.reader.ip } : {}) },
              attrs: {
                action: 'export',
                filter: JSON.stringify({ compliance: 'docs', days: model.window.days }),
                results: records,
                format: req.format,
                ...(req.reader.role === undefined ? {} : { role: req.reader.role }),
                config_digest: configDigest,
                sha256: generation.sha256,
              },
              message: `${req.reader.label} generated the logging section of the technical file (${req.format})`,
            },
          },
        ]);
      } catch (err) {
        throw new SeclogError(
          'QUERY_AUDIT_FAILED',
          `the log_access record of the documentation could not be committed, so it is not handed out: ${(err as Error).message}`,
          { action: 'export' },
          { cause: err },
        );
      }
      writeDocsRecord(req.store, generation);
      committed = true;
    },
  };
}
