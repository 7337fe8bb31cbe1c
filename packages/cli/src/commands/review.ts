/**
 * `seclog review list|show|start|finding|sign|approve`: periodic log reviews
 * (docs/reviews.md) on the data directory directly, like `seclog user`; the
 * same workflow as /api/v1/reviews. Commands that change a review act as an
 * account given with `--as <user>` (analyst or admin), recorded as
 * `user/<name>`. `show --verify` checks the signature, the stored record and
 * the checkpoint's consistency with the current tree: exit 1 when any fails.
 */
import {
  type CollectorConfig,
  loadConfig,
  type OpenedDataDir,
  openDataDirReviews,
  parseTimeUs,
  type ReviewDetailJson,
  type ReviewService,
  reviewerOfUser,
} from '@seclog/collector';
import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit-codes.js';
import { DATA_OPTION, DB_OPTION, withDataDir } from './device.js';

interface Common {
  data?: string;
  db?: string;
  config?: string;
  json?: boolean;
}

const CONFIG_OPTION = ['--config <file>', 'seclog.yaml to read (review schedules and approval)'] as const;

function reviewsOf(dd: OpenedDataDir, opts: Common): ReviewService {
  const config: CollectorConfig = loadConfig(opts.config === undefined ? {} : { file: opts.config });
  return openDataDirReviews(dd, config.reviews);
}

function print(opts: Common, value: unknown, text: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** A review for people: its state, the evidence in figures, the findings, the verification. */
function render(d: ReviewDetailJson): string {
  // biome-ignore lint/suspicious/noExplicitAny: the evidence is read field by field for display
  const ev = d.evidence as any;
  const lines = [
    `review ${d.id}${d.schedule === null ? '' : ` (schedule ${d.schedule})`}: ${d.status}${d.overdue ? pc.red(' OVERDUE') : ''}`,
    `  period      ${d.periodStart} to ${d.periodEnd}${d.due === null ? '' : `, due ${d.due}`}`,
    `  started     ${d.created} by ${d.createdBy}; evidence collected ${d.evidenceCollected}`,
  ];
  if (d.signed !== null) lines.push(`  signed      ${d.signed.at} by ${d.signed.by} against checkpoint ${d.signed.checkpoint.size}`);
  if (d.approved !== null) lines.push(`  approved    ${d.approved.at} by ${d.approved.by}`);
  else if (d.approvalRequired) lines.push('  approved    not yet (approval is required)');
  lines.push(
    '',
    'evidence',
    `  events      ${ev.events.total} from ${ev.events.devices} device(s)`,
    ...ev.events.byNameOutcome.map(
      (r: { name: string; outcome: string; count: number }) => `              ${r.count}\t${r.name} (${r.outcome})`,
    ),
    `  alerts      ${ev.alerts.opened} opened, ${ev.alerts.closed} closed, ${ev.alerts.stillOpen} still open, ${ev.alerts.overdue} open longer than ${ev.alerts.overdueAfterDays} days`,
    `  integrity   ${ev.integrity.failures} failure(s) (${ev.integrity.forks} fork, ${ev.integrity.sealFailures} seal, ${ev.integrity.chainBreaks} chain), ${ev.integrity.gapsRecorded} gap(s) recorded, ${ev.integrity.openGaps.length} open now (${ev.integrity.openGaps.filter((g: { declared?: string[] }) => (g.declared?.length ?? 0) > 0).length} declared lost by their device)`,
    `  log check   ${ev.integrity.verification.ok ? pc.green('ok') : pc.red('FAILED')}: ${ev.integrity.verification.checked.join('; ')}`,
    ...ev.integrity.verification.problems.map((p: string) => `              ${pc.red(p)}`),
    `  devices     ${ev.devices.enrolled} expected; silent: ${ev.devices.silent.join(', ') || 'none'}; unsynced clocks: ${ev.devices.unsynced.map((u: { device: string }) => u.device).join(', ') || 'none'}`,
    `  storage     ${ev.storage.facts.join('; ')}; device warnings ${ev.storage.deviceWarnings}; overwrote unshipped: ${ev.storage.devicesOverwrote.join(', ') || 'none'}`,
    `  rules       ${ev.rules.changes.length} change(s)${ev.rules.changes.map((c: { at: string; by: string; message: string }) => `\n              ${c.at} ${c.by}: ${c.message}`).join('')}`,
    '',
    `findings (${d.findings.length})`,
    ...d.findings.map(
      (f) =>
        `  [${f.severity}] ${f.text}${f.alertIds.length > 0 ? ` (alerts ${f.alertIds.join(', ')})` : ''} — ${f.createdBy}, ${f.created}`,
    ),
  );
  if (d.verification !== null) {
    const v = d.verification;
    lines.push(
      '',
      `verification: ${v.ok ? pc.green('ok') : pc.red('FAILED')}`,
      `  signature   ${v.signature}`,
      `  record      ${v.record}`,
      `  checkpoint  ${v.checkpoint === null ? '-' : `${v.checkpoint.size} ${v.checkpoint.consistent ? 'consistent with' : 'NOT consistent with'} ${v.checkpoint.against?.size ?? '?'}`}`,
      `  approval    ${v.approval}`,
      ...v.problems.map((p) => `  ${pc.red(p)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerReviewCommand(program: Command): void {
  const review = program.command('review').description('periodic log reviews: evidence, findings, signature (works on the data directory)');

  review
    .command('list')
    .option('--status <status>', 'open, signed or approved')
    .option('--schedule <name>', 'only the reviews of this schedule')
    .option('--json', 'print JSON')
    .option(...CONFIG_OPTION)
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('list reviews, newest first, and the schedules with their last period')
    .action(async (opts: Common & { status?: string; schedule?: string }) => {
      await withDataDir(
        'review list',
        opts.data,
        (dd) => {
          if (opts.status !== undefined && !['open', 'signed', 'approved'].includes(opts.status)) {
            throw new Error(`--status must be open, signed or approved, got ${JSON.stringify(opts.status)}`);
          }
          const reviews = reviewsOf(dd, opts);
          const page = reviews.list({
            limit: 200,
            ...(opts.status === undefined ? {} : { status: opts.status as 'open' }),
            ...(opts.schedule === undefined ? {} : { schedule: opts.schedule }),
          });
          const rows = page.reviews.map((r) => reviews.json(r));
          const schedules = reviews.scheduleStatus();
          print(
            opts,
            { reviews: rows, schedules },
            () =>
              [
                ...schedules.map(
                  (s) =>
                    `schedule ${s.name} (${s.every}): last period ${s.last.start} to ${s.last.end}, due ${s.last.due}: ${s.last.review === null ? 'not started' : `${s.last.review} ${s.last.status}`}${s.last.overdue ? pc.red(' OVERDUE') : ''}\n`,
                ),
                ...rows.map(
                  (r) =>
                    `${r.id}\t${r.status}${r.overdue ? ' (overdue)' : ''}\t${r.periodStart} to ${r.periodEnd}\t${r.signed === null ? '-' : `signed by ${r.signed.by}`}\n`,
                ),
              ].join('') || 'no reviews\n',
          );
        },
        opts.db,
      );
    });

  review
    .command('show')
    .argument('<id>', 'review id')
    .option('--verify', 'verify the signature, the stored record and the checkpoint (exit 1 when it fails)')
    .option('--json', 'print JSON')
    .option(...CONFIG_OPTION)
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('one review with its evidence and findings (and its verification once signed)')
    .action(async (id: string, opts: Common & { verify?: boolean }) => {
      await withDataDir(
        'review show',
        opts.data,
        (dd) => {
          const detail = reviewsOf(dd, opts).detail(id);
          print(opts, detail, () => render(detail));
          if (opts.verify) {
            if (detail.verification === null) {
              process.stderr.write(`seclog review show: review ${id} is not signed: nothing to verify\n`);
              process.exitCode = EXIT.failed;
            } else process.exitCode = detail.verification.ok ? EXIT.ok : EXIT.failed;
          }
        },
        opts.db,
      );
    });

  review
    .command('start')
    .option('--from <time>', 'period start, RFC 3339 (with --to)')
    .option('--to <time>', 'period end (exclusive), RFC 3339, in the past')
    .option('--schedule <name>', "instead: the schedule's last ended period")
    .requiredOption('--as <user>', 'the reviewer: an analyst or admin account')
    .option('--json', 'print JSON')
    .option(...CONFIG_OPTION)
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('start a review of a period and collect its evidence')
    .action(async (opts: Common & { from?: string; to?: string; schedule?: string; as: string }) => {
      await withDataDir(
        'review start',
        opts.data,
        (dd) => {
          const reviews = reviewsOf(dd, opts);
          const by = reviewerOfUser(dd, opts.as);
          let started: ReturnType<ReviewService['start']>;
          if (opts.schedule !== undefined) {
            if (opts.from !== undefined || opts.to !== undefined) throw new Error('give --schedule or --from and --to, not both');
            started = reviews.start({ schedule: opts.schedule }, by);
          } else {
            const from = opts.from === undefined ? undefined : parseTimeUs(opts.from);
            const to = opts.to === undefined ? undefined : parseTimeUs(opts.to);
            if (from === undefined || to === undefined)
              throw new Error('--from and --to must be RFC 3339 times such as 2026-11-01T00:00:00Z');
            started = reviews.start({ periodStartUs: from, periodEndUs: to }, by);
          }
          const detail = reviews.detail(started.review.id);
          print(opts, detail, () => `${started.created ? 'started' : 'already started'}: ${render(detail)}`);
        },
        opts.db,
      );
    });

  review
    .command('finding')
    .argument('<id>', 'review id')
    .argument('<text>', 'the finding')
    .option('--severity <level>', 'info, low, medium, high or critical', 'medium')
    .option('--alert <id...>', 'alerts the finding is about')
    .requiredOption('--as <user>', 'the reviewer: an analyst or admin account')
    .option(...CONFIG_OPTION)
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('add a finding to an open review')
    .action(async (id: string, text: string, opts: Common & { severity: string; alert?: string[]; as: string }) => {
      await withDataDir(
        'review finding',
        opts.data,
        (dd) => {
          const reviews = reviewsOf(dd, opts);
          const f = reviews.addFinding(
            id,
            { text, severity: opts.severity as 'medium', alertIds: opts.alert ?? [] },
            reviewerOfUser(dd, opts.as),
          );
          process.stdout.write(`finding ${f.seq} added to ${id}\n`);
        },
        opts.db,
      );
    });

  for (const [verb, what] of [
    ['sign', 'sign a review with the log key; its record is appended to the log as review_signed'],
    ['approve', 'approve a signed review (a second person, never its signer); appended as review_approved'],
  ] as const) {
    review
      .command(verb)
      .argument('<id>', 'review id')
      .requiredOption('--as <user>', `the ${verb === 'sign' ? 'reviewer' : 'approver'}: an analyst or admin account`)
      .option('--json', 'print JSON')
      .option(...CONFIG_OPTION)
      .option(...DATA_OPTION)
      .option(...DB_OPTION)
      .description(what)
      .action(async (id: string, opts: Common & { as: string }) => {
        await withDataDir(
          `review ${verb}`,
          opts.data,
          async (dd) => {
            const reviews = reviewsOf(dd, opts);
            const by = reviewerOfUser(dd, opts.as);
            if (verb === 'sign') await reviews.sign(id, by);
            else await reviews.approve(id, by);
            const detail = reviews.detail(id);
            print(opts, detail, () => `${verb === 'sign' ? 'signed' : 'approved'}: ${render(detail)}`);
          },
          opts.db,
        );
      });
  }
}
