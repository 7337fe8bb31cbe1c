/**
 * What the notifier is given (AlertNotice), what a channel is (a transport
 * that takes one delivery and answers delivered, retry or reject: retry
 * policy lives in the dispatcher, not in the channels), and the hooks it
 * reports through.
 */
import type { Severity } from '@seclog/core';
import type { OwnEvent } from '../ingest/own-stream.js';

/** One stored alert, as the notifier sends it. Times are RFC 3339 strings, as in the `alert` record. */
export interface AlertNotice {
  alertId: string;
  ruleId: string;
  ruleVersion: string;
  ruleTitle: string;
  severity: Severity;
  /** The value the rule grouped by (device, source address …); absent for ungrouped rules. */
  groupKey?: string;
  /** Matching events in the window. */
  count: number;
  windowStart: string;
  windowEnd: string;
  /** Ids of the matching events. */
  evidence: readonly string[];
  /** Repeat matches suppressed when the alert was handed over. */
  suppressed: number;
  /** When the alert was stored. */
  createdAt: string;
  /** Where a person opens the alert, when a dashboard URL is known. */
  dashboardUrl?: string;
}

export type ChannelType = 'webhook' | 'email' | 'syslog';

/** One attempt to send one notice over one channel. */
export interface Delivery {
  notice: AlertNotice;
  /** `<alert id>:<channel name>`: the same for every attempt, so receivers can drop repeats. */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * What a channel answers. `retry`: a failure that may pass (timeouts, 5xx, 408, 429, connection
 * errors), with the wait the receiver asked for; `reject`: one that will not pass by retrying
 * (4xx, a permanent SMTP reply), so the notification is dead at once.
 */
export type SendResult =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'reject'; reason: string };

export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  /** Where it sends to, for logs and the dead-letter event: host name or address, port, protocol. */
  readonly peer: { host: string; port: number; protocol: string };
  /** Sends once. A throw counts as `retry` with the error's message. */
  send(delivery: Delivery, signal: AbortSignal): Promise<SendResult>;
  close(): void;
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'dead';

/** Told about every settled attempt (CollectorMetrics.notifyObserver counts them for /metrics). */
export interface NotifyObserver {
  settled(channel: string, outcome: DeliveryOutcome): void;
}

/** pino's call shape, so the collector's logger fits; the notifier logs retries at warn and dead rows at error. */
export interface NotifyLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Where dead notifications are recorded: the collector's own stream (OwnStream fits). */
export interface OwnEventSink {
  append(...events: OwnEvent[]): Promise<unknown>;
}
