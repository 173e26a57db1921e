/**
 * The delivery worker every gateway process runs (SET-PROFILE §6 Notifications): it leases due
 * events from the outbox, POSTs each as a freshly signed Notification to the merchant's
 * registered URL, and records the attempt. A 2xx is delivery; anything else (another status, a
 * refused connection, a timeout, a redirect) is retried with exponential back-off, full jitter and
 * a cap, until the event has had `maxAttempts` attempts or is `maxAgeMs` old: then it is marked
 * failed (the dashboard can still resend it). At least once: an event is marked delivered only
 * after a 2xx, so a process killed mid-delivery leaves it leased, and once the lease runs out
 * another process (or this one, restarted) sends it again.
 *
 * Nothing here can end the process: every failure (a bad URL, a hanging receiver, a database
 * outage) is caught, logged, and retried on the next tick. stop() waits for attempts in flight.
 */
import { randomBytes } from 'node:crypto';
import { buildNotification, encodeWire, type SignedSender } from '../protocol/index.ts';
import type { AfterFailure, ClaimedNotification, Notifications } from './notifications.ts';
import type { GatewayLog } from './payment-context.ts';

export interface DeliveryOptions {
  /** Wait after the first failure (default 2 s); doubled after each further one. */
  baseDelayMs?: number;
  /** The longest wait between attempts (default 10 min). */
  maxDelayMs?: number;
  /** Attempts before the event is marked failed (default 20). */
  maxAttempts?: number;
  /** Age (since queued) after which a failing event is marked failed (default 3 days). */
  maxAgeMs?: number;
  /** Per attempt: connect, send and the receiver's answer (default 10 s). */
  timeoutMs?: number;
  /** How often the outbox is polled when idle (default 1 s). */
  pollMs?: number;
  /** Events sent at once per process (default 8). */
  batch?: number;
  /** How long a claimed event stays leased to this process (default: the timeout + 30 s). */
  leaseMs?: number;
  /** 0–1 in place of Math.random (tests). */
  random?: () => number;
}

export interface NotificationDelivery {
  /** Starts polling (idempotent). */
  start(): void;
  /**
   * Polls now rather than at the next tick (called after a ledger change in this process), unless
   * the last poll found no merchant with a registered URL.
   */
  wake(): void;
  /** One pass over the due events; resolves with how many attempts were made. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for attempts in flight (each bounded by the timeout). */
  stop(): Promise<void>;
}

const SHUTDOWN = 'the gateway shut down during this attempt';

export function createNotificationDelivery(deps: {
  notifications: Notifications;
  signature: SignedSender;
  now: () => Date;
  log: GatewayLog;
  fetch?: typeof fetch;
  options?: DeliveryOptions;
}): NotificationDelivery {
  const o = deps.options ?? {};
  const baseDelayMs = o.baseDelayMs ?? 2_000;
  const maxDelayMs = o.maxDelayMs ?? 10 * 60_000;
  const maxAttempts = o.maxAttempts ?? 20;
  const maxAgeMs = o.maxAgeMs ?? 3 * 86_400_000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const pollMs = o.pollMs ?? 1_000;
  const batch = o.batch ?? 8;
  const random = o.random ?? Math.random;
  const doFetch = deps.fetch ?? fetch;
  // A lease outlives the longest attempt (timeout) with room for recording it.
  const leaseMs = o.leaseMs ?? timeoutMs + 30_000;
  const processId = `gw-${process.pid}-${randomBytes(4).toString('hex')}`;

  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pass: Promise<number> | undefined;
  let again = false;
  const inFlight = new Set<AbortController>();

  const after =
    (now: Date) =>
    (round: number, enqueuedAt: Date): AfterFailure => {
      if (round >= maxAttempts || now.getTime() - enqueuedAt.getTime() >= maxAgeMs) return { failed: true };
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (round - 1));
      // Full jitter above a floor of half: receivers recovering from an outage are not hit in step.
      return { retryAt: new Date(now.getTime() + ceiling / 2 + (ceiling / 2) * random()) };
    };

  async function deliver(c: ClaimedNotification): Promise<void> {
    const startedAt = deps.now();
    const t0 = performance.now();
    const controller = new AbortController();
    inFlight.add(controller);
    let httpStatus: number | undefined;
    let error: string | undefined;
    // One controller, aborted by our own timer or by stop(): a signal composed with
    // AbortSignal.any can be garbage-collected before its timeout fires, and the POST then waits
    // for a hanging receiver forever.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const { wire } = await buildNotification({
        event: c.event,
        merchantId: c.merchantId,
        brandId: c.brandId,
        signature: deps.signature,
        now: startedAt,
      });
      const response = await doFetch(c.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'SET/2 gateway' },
        body: encodeWire(wire),
        redirect: 'manual',
        signal: controller.signal,
      });
      httpStatus = response.status;
      await response.body?.cancel().catch(() => {});
      if (httpStatus < 200 || httpStatus > 299) error = `the receiver answered HTTP ${httpStatus}`;
    } catch (e) {
      error = timedOut
        ? `no answer within ${timeoutMs} ms`
        : controller.signal.aborted
          ? SHUTDOWN
          : describe(e);
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
    }
    const durationMs = performance.now() - t0;
    const delivered = error === undefined;
    await deps.notifications.recordAttempt(
      c.event.eventId,
      c.url,
      processId,
      {
        startedAt,
        durationMs,
        delivered,
        ...(httpStatus !== undefined ? { httpStatus } : {}),
        ...(error !== undefined ? { error } : {}),
      },
      after(deps.now()),
    );
    deps.log({
      level: delivered ? 'info' : 'warn',
      event: delivered ? 'notification-delivered' : 'notification-failed-attempt',
      eventId: c.event.eventId,
      xid: c.event.xid,
      seq: c.event.seq,
      status: httpStatus,
      error,
    });
  }

  async function runPass(): Promise<number> {
    let made = 0;
    try {
      for (;;) {
        const now = deps.now();
        const due = await deps.notifications.claimDue(
          now,
          new Date(now.getTime() + leaseMs),
          processId,
          batch,
        );
        if (due.length === 0) break;
        // Events of one XID go in seq order; different XIDs in parallel.
        const byXid = new Map<string, ClaimedNotification[]>();
        for (const c of due) byXid.set(c.event.xid, [...(byXid.get(c.event.xid) ?? []), c]);
        await Promise.all(
          [...byXid.values()].map(async (list) => {
            for (const c of list) await deliver(c);
          }),
        );
        made += due.length;
        if (stopping) break;
      }
    } catch (e) {
      deps.log({
        level: 'warn',
        event: 'notification-delivery-paused',
        cause: e instanceof Error ? e.message : String(e),
      });
    }
    return made;
  }

  let stopping = false;

  function runOnce(): Promise<number> {
    if (pass !== undefined) {
      again = true;
      return pass;
    }
    pass = runPass().finally(() => {
      pass = undefined;
      if (again && running) {
        again = false;
        schedule(0, false);
      }
    });
    return pass;
  }

  /**
   * The next pass in `ms`. A poll (`look`) first asks whether any merchant has registered a URL
   * (another process may have registered one) and passes only if so; a wake after a ledger change
   * passes at once, unless the last look found none.
   */
  function schedule(ms: number, look = true): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(async () => {
      timer = undefined;
      // A failed look leaves what was known; the pass then reports the outage, if any.
      if (look) await deps.notifications.lookForEndpoints().catch(() => {});
      if (deps.notifications.mayHaveEndpoints()) await runOnce();
      schedule(pollMs);
    }, ms);
    timer.unref?.();
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopping = false;
      schedule(0);
    },
    wake() {
      if (running && deps.notifications.mayHaveEndpoints()) schedule(0, false);
    },
    runOnce,
    async stop() {
      running = false;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const c of inFlight) c.abort();
      await pass;
    },
  };
}

function describe(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause?.code ?? err?.cause?.message;
  const message = err?.message ?? String(e);
  return cause ? `${message} (${cause})` : message;
}
