// The browser driver's poll: what the demo and the browser tests wait with. It never waits longer
// than it was given, even when a check never answers (a driver call into a page that went away).
import { describe, expect, it } from 'vitest';
import { poll } from '../../src/demo/browsers/driver.ts';

describe('poll', () => {
  it('returns the first answer that is not no', async () => {
    let calls = 0;
    expect(await poll('the third call', async () => (++calls === 3 ? 'yes' : undefined), 5_000)).toBe('yes');
    expect(calls).toBe(3);
  });

  it('fails at its deadline when the check answers no, naming what it waited for and the last error', async () => {
    await expect(
      poll(
        'a thing',
        async () => {
          throw new Error('not yet');
        },
        300,
      ),
    ).rejects.toThrow(/timed out after 300 ms waiting for a thing \(last error: Error: not yet\)/);
  });

  it('fails at its deadline when the check never answers at all', async () => {
    const started = Date.now();
    await expect(poll('a page that went away', () => new Promise<never>(() => {}), 300)).rejects.toThrow(
      /timed out after 300 ms waiting for a page that went away \(last error: Error: the check did not answer in time\)/,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
