// The demo's transcript (src/demo/transcript.ts) says why a message passes twice.
import { describe, expect, it } from 'vitest';
import { Transcript } from '../../src/demo/transcript.ts';

describe('Transcript', () => {
  it('marks a request re-sent with the same bytes, and the first answer given again', () => {
    const lines: string[] = [];
    const t = new Transcript((line) => lines.push(line));
    const preq = '{"type":"PReq","n":1}';
    const pres = '{"type":"PRes","n":1}';
    t.observe({ party: 'store', direction: 'request', type: 'PReq', body: preq });
    t.observe({ party: 'gateway', direction: 'request', type: 'AuthReq', body: '{"a":1}' });
    t.observe({ party: 'gateway', direction: 'response', type: 'AuthRes', body: '{"b":1}' });
    t.observe({ party: 'store', direction: 'response', type: 'PRes', body: pres });
    t.observe({ party: 'store', direction: 'request', type: 'PReq', body: preq });
    t.observe({ party: 'store', direction: 'response', type: 'PRes', body: pres });
    expect(t.entries.map((e) => e.repeatOf)).toEqual([undefined, undefined, undefined, undefined, 1, 4]);
    expect(lines[0]).not.toContain('again');
    expect(lines[4]).toMatch(
      /PReq .*wallet → store .*again, the same bytes as #1: the sender lost the answer/,
    );
    expect(lines[5]).toMatch(/PRes .*the answer #4 again: a repeated request gets its first answer/);
  });

  it('does not mark a different message of the same type', () => {
    const lines: string[] = [];
    const t = new Transcript((line) => lines.push(line));
    t.observe({ party: 'store', direction: 'request', type: 'PInitReq', body: '{"x":1}' });
    t.observe({ party: 'store', direction: 'request', type: 'PInitReq', body: '{"x":2}' });
    expect(t.entries.every((e) => e.repeatOf === undefined)).toBe(true);
    expect(lines.join('\n')).not.toContain('again');
  });
});
