// A message's `date` is the time its sender made it (docs/protocol.md §1, "Dates"). Over a real
// run of every party (tests/support/real-run.ts), no message is dated after the message that
// answers it or follows from it: PInitReq ≤ PInitRes ≤ PReq ≤ AuthReq ≤ AuthRes ≤ PRes, and so on
// for the registration, the enrolments, the follow-ups and the inquiry. A message sent again
// (the same bytes) keeps the date it was made at, and is the only exception, by design.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../../src/demo/transcript.ts';
import { budget } from '../support/deadlines.ts';
import { type RealRun, realRun } from '../support/real-run.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'set-dates-'));
let run: RealRun;

beforeAll(async () => {
  run = await realRun({ dataDir });
}, budget(600_000));
afterAll(async () => {
  await run?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const dateOf = (e: { body: string }) => (JSON.parse(e.body) as { hdr: { date: string } }).hdr.date;

/** The entries of the purchase of `xid`, first to last, as the servers saw them pass. */
function exchange(entries: TranscriptEntry[], first: string, count: number): TranscriptEntry[] {
  const at = entries.findIndex((e) => e.type === first && e.repeatOf === undefined);
  return entries.slice(at, at + count);
}

describe('message dates on a real transcript', () => {
  it('no message is dated after the message that follows it (repeats aside)', () => {
    // A request refused with an Error (the run sends one PInitReq dated an hour ahead, on purpose)
    // is no part of an exchange; nor is a repeat, which keeps the date it was made at.
    const entries = run.transcript.entries;
    const refused = new Set(entries.filter((e) => e.type === 'Error').map((e) => e.n - 1));
    const fresh = entries.filter((e) => e.repeatOf === undefined && !refused.has(e.n));
    expect(fresh.length).toBeGreaterThan(40);
    for (let i = 1; i < fresh.length; i++) {
      const [a, b] = [fresh[i - 1]!, fresh[i]!];
      expect(
        Date.parse(dateOf(a)) <= Date.parse(dateOf(b)),
        `#${a.n} ${a.type} (${dateOf(a)}) is dated after #${b.n} ${b.type} (${dateOf(b)})`,
      ).toBe(true);
    }
  });

  it('PInitReq ≤ PInitRes ≤ PReq ≤ AuthReq ≤ AuthRes ≤ PRes, the PRes made after the AuthRes arrived', () => {
    const purchase = exchange(run.transcript.entries, 'PInitReq', 8).filter(
      (e) => e.type !== 'PCertReq' && e.type !== 'PCertRes',
    );
    expect(purchase.map((e) => e.type)).toEqual([
      'PInitReq',
      'PInitRes',
      'PReq',
      'AuthReq',
      'AuthRes',
      'PRes',
    ]);
    const dates = purchase.map((e) => Date.parse(dateOf(e)));
    expect([...dates].sort((x, y) => x - y)).toEqual(dates);
  });

  it('each follow-up and inquiry is answered with a later date', () => {
    const entries = run.transcript.entries;
    const pairs: [string, string][] = [
      ['CapReq', 'CapRes'],
      ['CredReq', 'CredRes'],
      ['CredRevReq', 'CredRevRes'],
      ['CapRevReq', 'CapRevRes'],
      ['AuthRevReq', 'AuthRevRes'],
      ['InqReq', 'InqRes'],
      ['TransListReq', 'TransListRes'],
    ];
    for (const [req, res] of pairs) {
      const i = entries.findIndex((e) => e.type === req);
      expect(entries[i + 1]?.type, req).toBe(res);
      expect(Date.parse(dateOf(entries[i]!)) <= Date.parse(dateOf(entries[i + 1]!)), req).toBe(true);
    }
    const reg = run.notifications.filter((n) => n.type.startsWith('NotifyReg'));
    expect(reg.map((n) => n.type)).toEqual(['NotifyRegReq', 'NotifyRegRes']);
    expect(Date.parse(dateOf(reg[0]!)) <= Date.parse(dateOf(reg[1]!))).toBe(true);
  });

  it('a PReq sent again gets the very same PRes bytes (its first date), and no second AuthReq', () => {
    const entries = run.transcript.entries;
    const again = entries.filter((e) => e.type === 'PReq' && e.repeatOf !== undefined);
    expect(again).toHaveLength(1);
    const answer = entries[again[0]!.n]!; // the entry after it (n counts from 1)
    expect(answer.type).toBe('PRes');
    expect(answer.repeatOf).toBeDefined();
    expect(answer.body).toBe(entries[answer.repeatOf! - 1]!.body);
    // Nothing passed between the repeated PReq and its PRes: the merchant asked the gateway nothing.
    expect(answer.n).toBe(again[0]!.n + 1);
    expect(entries.filter((e) => e.type === 'AuthReq')).toHaveLength(2); // two purchases, one each
  });
});
