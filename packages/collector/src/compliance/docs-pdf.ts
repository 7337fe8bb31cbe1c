/**
 * PDF of the documentation: the self-contained HTML page printed by headless
 * Chromium. The page is written to a private temporary directory and opened
 * as a file:// URL with a throwaway profile; background networking is off
 * and every host name resolves to nothing, and the page's own Content
 * Security Policy forbids requests, so printing reaches no network.
 *
 * Chromium is found at SECLOG_CHROMIUM, else as chromium, chromium-browser,
 * google-chrome or google-chrome-stable on PATH (and /usr/bin/chromium).
 * Absent, the error says what to install: COMPLIANCE_PDF_UNAVAILABLE.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SeclogError } from '@seclog/core';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium binary to use, or undefined when none is installed. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.SECLOG_CHROMIUM;
  if (explicit !== undefined && explicit !== '') return executable(explicit) ? explicit : undefined;
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d !== ''), '/usr/bin'];
  for (const name of NAMES) for (const dir of dirs) if (executable(join(dir, name))) return join(dir, name);
  return undefined;
}

export interface PdfOptions {
  /** The binary (default: findChromium()). */
  chromium?: string;
  /** Kills a Chromium that has not finished (default 60 s). */
  timeoutMs?: number;
}

/**
 * One Chromium at a time per process: each takes a few hundred MB and a core for a second or more,
 * and a reader asking for many PDFs at once should queue, not exhaust the collector's host.
 */
let queue: Promise<unknown> = Promise.resolve();

export function renderPdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
  const run = queue.then(() => printPdf(html, options));
  queue = run.catch(() => undefined);
  return run;
}

async function printPdf(html: string, options: PdfOptions): Promise<Buffer> {
  const chromium = options.chromium ?? findChromium();
  if (chromium === undefined) {
    throw new SeclogError(
      'COMPLIANCE_PDF_UNAVAILABLE',
      'PDF output needs Chromium, which is not installed: install it (Debian/Ubuntu: apt-get install chromium) or set SECLOG_CHROMIUM to its path; --format md or html work without it',
      { install: 'apt-get install chromium' },
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'seclog-docs-'));
  try {
    const page = join(dir, 'section.html');
    const pdf = join(dir, 'section.pdf');
    await writeFile(page, html, { mode: 0o600 });
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-extensions',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${join(dir, 'profile')}`,
      // No date/URL header and footer; the second spelling is older Chromium's (unknown flags are ignored).
      '--no-pdf-header-footer',
      '--print-to-pdf-no-header',
      `--print-to-pdf=${pdf}`,
      pathToFileURL(page).href,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(chromium, args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
        if (err === null) resolve();
        else {
          const last = String(stderr).trim().split('\n').slice(-3).join(' | ');
          reject(
            new SeclogError(
              'COMPLIANCE_PDF_FAILED',
              `Chromium (${chromium}) did not print the PDF: ${err.message.split('\n')[0]}${last ? ` (${last})` : ''}`,
              {
                chromium,
              },
            ),
          );
        }
      });
    });
    const out = await readFile(pdf).catch(() => undefined);
    if (out === undefined || out.subarray(0, 5).toString('latin1') !== '%PDF-') {
      throw new SeclogError('COMPLIANCE_PDF_FAILED', `Chromium (${chromium}) exited without writing a PDF`, { chromium });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
