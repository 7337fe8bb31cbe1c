/** The panel's HTML: small server-rendered pages, every value escaped. */
import type { Session } from './accounts.js';

export interface Settings {
  hostname: string;
  sshEnabled: boolean;
  firewallRules: string[];
  firmwareVersion: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:16px system-ui;margin:2rem auto;max-width:42rem;color:#111}fieldset{margin:1rem 0}.msg{padding:.5rem;background:#eef}</style>
</head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

export function loginPage(message = ''): string {
  return page(
    'Device admin: sign in',
    `${message ? `<p class="msg" role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/login">
<label>User <input name="user" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button>Sign in</button></form>`,
  );
}

export function settingsPage(s: Settings, session: Session, message = ''): string {
  const rules = s.firewallRules
    .map(
      (r, i) =>
        `<li>${esc(r)} <form method="post" action="/firewall/remove" style="display:inline"><input type="hidden" name="index" value="${i}"><button>Remove</button></form></li>`,
    )
    .join('');
  return page(
    'Device admin',
    `<p>Signed in as <b>${esc(session.user)}</b> (${session.role}). <form method="post" action="/logout" style="display:inline"><button>Sign out</button></form></p>
${message ? `<p class="msg" role="status">${esc(message)}</p>` : ''}
<form method="post" action="/settings"><fieldset><legend>Settings</legend>
<label>Hostname <input name="hostname" value="${esc(s.hostname)}"></label>
<label><input type="checkbox" name="ssh" value="on"${s.sshEnabled ? ' checked' : ''}> SSH enabled</label>
<button>Save</button></fieldset></form>
<fieldset><legend>Firewall rules</legend><ul>${rules}</ul>
<form method="post" action="/firewall/add"><input name="rule" placeholder="allow tcp 443 from 10.0.0.0/8" required><button>Add rule</button></form></fieldset>
<form method="post" action="/firmware"><fieldset><legend>Firmware (running ${esc(s.firmwareVersion)})</legend>
<label>Version <input name="version" value="2.0.0" required></label>
<label><input type="checkbox" name="tampered" value="on"> Simulate a tampered image</label>
<button>Install update</button></fieldset></form>`,
  );
}
