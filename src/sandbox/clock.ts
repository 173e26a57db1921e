/**
 * The sandbox servers' clock: the system's, moved forward on request and never back. Every server
 * of a sandbox (the issuer site and its CAs, the payment gateway, the demo store and its merchant
 * SDK) reads it, so they stay in step with each other; a browser's wallet keeps the system's.
 *
 * `setwallet demo` moves it ahead by a subscription's interval to show the next payment falling
 * due without waiting a month: the gateway then applies the signed terms (SET-PROFILE §6) to that
 * date exactly as it would to the calendar's. Nothing is granted that the rules would not grant
 * on that date, and nothing the wallet sends afterwards would be accepted (it would be dated a
 * month before the servers' clock: messageTooOld), so a demo moves it only at its end.
 */
export class SandboxClock {
  private aheadMs = 0;

  /** The servers' time now. */
  readonly now = (): Date => new Date(Date.now() + this.aheadMs);

  /** How far ahead of the system's clock it runs, in milliseconds. */
  get ahead(): number {
    return this.aheadMs;
  }

  /** Moves the clock `days` whole days ahead (1 to 366). */
  advanceDays(days: number): void {
    if (!Number.isInteger(days) || days < 1 || days > 366) {
      throw new RangeError(`the sandbox clock moves ahead by 1 to 366 whole days, not ${days}`);
    }
    this.aheadMs += days * 86_400_000;
  }
}
