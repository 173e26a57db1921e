/**
 * The clear header is derived from the content it wraps, and a receiver checks that the two
 * agree (SET Book 2, MessageWrapper: the MessageID and RRPID outside must match those inside).
 */
import { fail } from '../errors.ts';
import type { Header, Wire } from './wire.ts';

export interface HeaderSource {
  date: string;
  rrpid: string;
  transIds?: { lidC: string; lidM: string; xid: string };
  lidC?: string;
  lidM?: string;
  xid?: string;
  lidEE?: string;
  lidCA?: string;
}

export function headerFor(c: HeaderSource): Header {
  const hdr: Header = { date: c.date, rrpid: c.rrpid };
  const lidC = c.transIds?.lidC ?? c.lidC;
  const lidM = c.transIds?.lidM ?? c.lidM;
  const xid = c.transIds?.xid ?? c.xid;
  if (lidC !== undefined) hdr.lidC = lidC;
  if (lidM !== undefined) hdr.lidM = lidM;
  if (xid !== undefined) hdr.xid = xid;
  if (c.lidEE !== undefined) hdr.lidEE = c.lidEE;
  if (c.lidCA !== undefined) hdr.lidCA = c.lidCA;
  return hdr;
}

export function checkHeader(wire: Wire, content: HeaderSource): void {
  const expected = headerFor(content);
  const keys = new Set([...Object.keys(expected), ...Object.keys(wire.hdr)]) as Set<keyof Header>;
  for (const k of keys) {
    if (wire.hdr[k] !== expected[k])
      fail('badMessageHeader', `the ${wire.type} header's ${k} disagrees with its content`);
  }
}
