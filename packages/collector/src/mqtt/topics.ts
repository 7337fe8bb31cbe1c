/**
 * The MQTT topics of docs/mqtt.md. One level per device id, so an id that
 * holds `/`, `+` or `#` cannot be used over MQTT (the agent refuses it at
 * start); everything else a device id may hold is valid in a topic level.
 */

export const TOPIC_ROOT = 'seclog';

/** What the collector subscribes to: device batches and resume-cursor requests. */
export const EVENTS_FILTER = `${TOPIC_ROOT}/+/events`;
export const CURSOR_FILTER = `${TOPIC_ROOT}/+/cursor`;

export type InboundKind = 'events' | 'cursor';

/** The device and kind of an inbound topic, or undefined for any other topic. */
export function parseInboundTopic(topic: string): { device: string; kind: InboundKind } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== TOPIC_ROOT || parts[1] === '') return undefined;
  const kind = parts[2];
  if (kind !== 'events' && kind !== 'cursor') return undefined;
  return { device: parts[1]!, kind };
}

/** Where the collector answers a device: acks, errors and cursors. */
export function ackTopic(device: string): string {
  return `${TOPIC_ROOT}/${device}/ack`;
}
