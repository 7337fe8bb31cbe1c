/**
 * `seclog tail`: follows GET /api/v1/events/stream (server-sent events) and
 * prints one line per event, or one JSON object with `--json`. When the
 * collector drops the stream because this client fell behind, it reconnects
 * with Last-Event-ID, so nothing is skipped; any other error ends with exit 2.
 */
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import {
  type ApiEvent,
  addFilterOptions,
  addServerOptions,
  apiFetch,
  CliRequestError,
  connection,
  eventLine,
  type FilterOptions,
  fail,
  filterParams,
  type ServerOptions,
} from './query.js';

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Splits a stream of SSE text into events; comment lines (heartbeats) are skipped. */
async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const e: Partial<SseEvent> = {};
      for (const line of block.split('\n')) {
        const m = /^(id|event|data): ?(.*)$/.exec(line);
        if (m === null) continue;
        if (m[1] === 'data') e.data = e.data === undefined ? (m[2] as string) : `${e.data}\n${m[2]}`;
        else e[m[1] as 'id' | 'event'] = m[2];
      }
      if (e.data !== undefined) yield e as SseEvent;
    }
  }
}

export function registerTailCommand(program: Command): void {
  const cmd = program
    .command('tail')
    .description('follow the events of a running collector as they are committed (GET /api/v1/events/stream)')
    .option('--json', 'print one JSON object per event (leafIndex, received, record)')
    .option('--last-event-id <leaf>', 'start after this leaf index instead of at the newest event');
  addServerOptions(cmd);
  addFilterOptions(cmd);
  cmd.action(async (opts: ServerOptions & FilterOptions & { json?: boolean; lastEventId?: string }) => {
    try {
      const { base, token } = connection(opts);
      const url = `${base}/api/v1/events/stream?${filterParams(opts)}`;
      let last = opts.lastEventId;
      for (;;) {
        const res = await apiFetch(url, token, { accept: 'text/event-stream', ...(last === undefined ? {} : { 'last-event-id': last }) });
        if (res.body === null) throw new CliRequestError('the collector sent no stream');
        process.stderr.write(`seclog tail: following ${base}${last === undefined ? '' : ` after leaf ${last}`} (Ctrl-C to stop)\n`);
        let resume = false;
        for await (const e of sseEvents(res.body as unknown as AsyncIterable<Uint8Array>)) {
          if (e.event === 'error') {
            const err = (JSON.parse(e.data) as { error: { code: string; message: string; details?: { lastEventId?: number } } }).error;
            if (err.code === 'QUERY_TAIL_TOO_SLOW' && err.details?.lastEventId !== undefined) {
              process.stderr.write('seclog tail: fell behind; resuming where the stream stopped\n');
              last = String(err.details.lastEventId);
              resume = true;
              break;
            }
            throw new CliRequestError(`${err.message} (${err.code})`);
          }
          if (e.id !== undefined) last = e.id;
          process.stdout.write(`${opts.json ? e.data : eventLine(JSON.parse(e.data) as ApiEvent)}\n`);
        }
        if (!resume) break;
      }
      process.stderr.write('seclog tail: the collector closed the stream\n');
      process.exitCode = EXIT.ok;
    } catch (err) {
      fail('tail', err);
    }
  });
}
