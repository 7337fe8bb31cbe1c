/**
 * The Slack-compatible body of a webhook (`format: slack`): `text` for
 * notifications and clients without blocks, `blocks` (Block Kit) for the
 * message. Slack incoming webhooks, Mattermost and Rocket.Chat accept it.
 *
 * Alert fields come from rules and from device input (a group key can hold a
 * user name typed at a login prompt), so every one is escaped for mrkdwn:
 * Slack reads `<…>` as links and mentions, which must not be injectable.
 */
import { noticeHeadline } from '../notice.js';
import type { AlertNotice } from '../types.js';

/** Slack's limits: header text 150 characters, a field 2,000. */
const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const EVIDENCE_SHOWN = 5;

/** Slack's three escapes (its docs: "Escaping text"). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * plain_text is not read as mrkdwn, but whether a client unescapes entities
 * there is not documented; angle brackets become look-alikes instead, so the
 * header can neither link nor mention (the fields below keep the exact text).
 */
const plainHeadline = (n: AlertNotice): string => noticeHeadline(n).replace(/</g, '‹').replace(/>/g, '›');

export interface SlackPayload {
  text: string;
  blocks: Record<string, unknown>[];
}

export function slackPayload(n: AlertNotice, key: string): SlackPayload {
  const field = (label: string, value: string) => ({ type: 'mrkdwn', text: cut(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_MAX) });
  const shown = n.evidence.slice(0, EVIDENCE_SHOWN).join('\n');
  const more = n.evidence.length > EVIDENCE_SHOWN ? `\n… and ${n.evidence.length - EVIDENCE_SHOWN} more` : '';
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(plainHeadline(n), HEADER_MAX) } },
    {
      type: 'section',
      fields: [
        field('Severity', n.severity),
        field('Events', `${n.count}${n.suppressed > 0 ? ` (+${n.suppressed} suppressed)` : ''}`),
        field('Group', n.groupKey ?? '—'),
        field('Window', `${n.windowStart} – ${n.windowEnd}`),
        field('Rule', `${n.ruleId} v${n.ruleVersion}`),
        field('Raised', n.createdAt),
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*Evidence*\n${escapeMrkdwn(shown)}${more}`, FIELD_MAX) } },
  ];
  if (n.dashboardUrl !== undefined) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: n.dashboardUrl }],
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`seclog alert ${n.alertId} · key ${key}`) }] });
  return { text: escapeMrkdwn(noticeHeadline(n)), blocks };
}
