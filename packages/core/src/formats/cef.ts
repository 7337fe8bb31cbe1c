/**
 * ArcSight Common Event Format (CEF, "Implementing ArcSight CEF" v25/v26):
 *
 *   CEF:0|seclog|seclog|1|<name>|<title>|<severity 0–10>|<extension>
 *
 * Encode only: CEF has no home for most of a seclog record (model, tq, the
 * redaction list, microseconds), so a CEF line is for SIEMs that speak
 * nothing else, never for storage or verification.
 *
 * Escaping (CWE-117), per the spec: in the header `\` and `|` are escaped with
 * a backslash; in extension values `\` and `=` are escaped, and CR and LF are
 * written as `\r` and `\n`. Nothing else is defined by CEF, so every other
 * unsafe character (ESC and the other C0/C1 controls, DEL, bidi overrides,
 * lone surrogates; also CR/LF in the header) is first made visible as
 * `\uXXXX` text (neutraliseText), whose backslash is then escaped like any
 * other. A CEF line therefore never contains a raw control character, a pipe
 * that ends a header field early, or an `=` that starts a forged key.
 *
 * Keys: rt (epoch ms), externalId = id, dvchost and deviceExternalId =
 * device.id, cat = catalogue group, outcome, suser, src (IPv4; CEF defines
 * src as an IPv4 address) or c6a2 with c6a2Label "Source IPv6 Address" (the
 * label ArcSight connectors use), spt, sproc, duser = target.user, msg, and
 * labelled custom fields: cs1 stream, cn1 seq, cs2 boot, cs3 prev, cs4 attrs
 * as canonical JSON (RFC 8785), cs5 target.resource, cs6 target.setting,
 * cn2 mono_ms, flexString1 actor.session, flexString2 device.fw.
 */
import { canonicalize } from '../canon/jcs.js';
import { getCatalogueEntry } from '../catalogue/registry.js';
import type { SecurityEvent, Severity } from '../event/types.js';
import { neutraliseText } from '../text/unsafe-chars.js';
import { parseDateTime } from '../time/rfc3339.js';

/** CEF severity is 0–10; these keep seclog's five levels spread over it as ArcSight's Low/Medium/High/Very-High bands do. */
export const CEF_SEVERITY: Readonly<Record<Severity, number>> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

/** Device Vendor, Device Product, Device Version of the header. */
const CEF_DEVICE = 'seclog|seclog|1';
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * attrs as RFC 8785 JSON. A lone surrogate (only in a record that skipped
 * validation) has no JSON form, so it becomes U+FFFD rather than failing the line.
 */
function attrsJson(attrs: SecurityEvent['attrs']): string {
  const clean = (s: string): string => s.replace(LONE_SURROGATE, '\ufffd');
  return canonicalize(Object.fromEntries(Object.entries(attrs).map(([k, v]) => [clean(k), typeof v === 'string' ? clean(v) : v])));
}

/** A header field: controls and bidi made visible, then `\` and `|` escaped. */
export function escapeCefHeader(s: string): string {
  return neutraliseText(s).replace(/[\\|]/g, (c) => `\\${c}`);
}

function escapeRun(s: string): string {
  return neutraliseText(s).replace(/[\\=]/g, (c) => `\\${c}`);
}

/** An extension value: CR/LF as `\r`/`\n`, other unsafe characters made visible, then `\` and `=` escaped. */
export function escapeCefValue(s: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) {
      out += `${escapeRun(s.slice(start, i))}${c === 0x0a ? '\\n' : '\\r'}`;
      start = i + 1;
    }
  }
  return out + escapeRun(s.slice(start));
}

/** The CEF line of a seclog record, without a line terminator. */
export function toCef(ev: SecurityEvent): string {
  const entry = getCatalogueEntry(ev.name);
  const ext: [key: string, value: string | number][] = [
    ['rt', parseDateTime(ev.time).ms],
    ['externalId', ev.id],
    ['dvchost', ev.device.id],
    ['deviceExternalId', ev.device.id],
  ];
  const add = (key: string, value: string | number | undefined): void => {
    if (value !== undefined) ext.push([key, value]);
  };
  const labelled = (key: string, label: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    ext.push([key, value], [`${key}Label`, label]);
  };
  add('cat', entry?.group);
  add('outcome', ev.outcome);
  const a = ev.actor ?? {};
  add('suser', a.user);
  if (a.ip !== undefined) {
    if (IPV4.test(a.ip)) add('src', a.ip);
    else labelled('c6a2', 'Source IPv6 Address', a.ip);
  }
  add('spt', a.port);
  add('sproc', a.process);
  add('duser', ev.target?.user);
  add('msg', ev.message);
  labelled('cs1', 'stream', ev.stream);
  labelled('cn1', 'seq', ev.seq);
  labelled('cs2', 'boot', ev.boot);
  labelled('cs3', 'prev', ev.prev);
  labelled('cs4', 'attrs', attrsJson(ev.attrs));
  labelled('cs5', 'targetResource', ev.target?.resource);
  labelled('cs6', 'targetSetting', ev.target?.setting);
  labelled('cn2', 'monoMs', ev.mono_ms);
  labelled('flexString1', 'session', a.session);
  labelled('flexString2', 'firmware', ev.device.fw);

  const header = `CEF:0|${CEF_DEVICE}|${escapeCefHeader(ev.name)}|${escapeCefHeader(entry?.title ?? ev.name)}|${CEF_SEVERITY[ev.severity]}|`;
  return header + ext.map(([k, v]) => `${k}=${typeof v === 'number' ? String(v) : escapeCefValue(v)}`).join(' ');
}
