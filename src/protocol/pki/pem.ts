/**
 * PEM armour (RFC 7468): base64 DER between BEGIN/END lines. Text outside the blocks is ignored
 * as RFC 7468 §2 allows; anything malformed inside a block is a decodingFailure.
 */

import { b64u, fromB64u } from '../encoding.ts';
import { fail } from '../errors.ts';

/** RFC 7468 §2: 64-character lines, the writer's "strict" form. */
export function toPem(der: Uint8Array, label: string): string {
  const body = b64u(der).replace(/-/g, '+').replace(/_/g, '/');
  const padded = body + '='.repeat((4 - (body.length % 4)) % 4);
  const lines = padded.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every `label` block in `text`, in order; decodingFailure when there is none or one is damaged. */
export function pemToDers(text: string, label = 'CERTIFICATE'): Uint8Array[] {
  const ders: Uint8Array[] = [];
  const boundary = /-----(BEGIN|END) ([A-Z0-9 ]*)-----/g;
  let open: { label: string; bodyStart: number } | undefined;
  for (const m of text.matchAll(boundary)) {
    const [line, kind, found] = m as unknown as [string, 'BEGIN' | 'END', string];
    if (kind === 'BEGIN') {
      if (open) fail('decodingFailure', `PEM block "${open.label}" is not closed`);
      open = { label: found, bodyStart: m.index + line.length };
      continue;
    }
    if (!open || open.label !== found) fail('decodingFailure', `PEM END line for "${found}" has no BEGIN`);
    if (found === label) ders.push(decodeBody(text.slice(open.bodyStart, m.index), label));
    open = undefined;
  }
  if (open) fail('decodingFailure', `PEM block "${open.label}" is not closed`);
  if (ders.length === 0) fail('decodingFailure', `no PEM "${label}" block found`);
  return ders;
}

function decodeBody(body: string, label: string): Uint8Array {
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    fail('decodingFailure', `PEM "${label}" block is not base64`);
  }
  return fromB64u(compact.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), `PEM "${label}" block`);
}
