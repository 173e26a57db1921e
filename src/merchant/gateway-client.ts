/**
 * The merchant's side of the payment protocol (SET Book 2 "Payment authorization", "Capture",
 * "Credit", "Authorization reversal"): AuthReq → AuthRes and the follow-up requests, each signed
 * by the merchant and sealed to the gateway, POSTed as JSON to the gateway's SET endpoint.
 *
 * Every request carries the merchant's key-exchange chain so the gateway can seal its answer to
 * it. A network failure or a 5xx is retried with the same request bytes (the gateway answers a
 * repeated XID + RRPID once), a bounded number of times with exponential backoff; then the call
 * fails with GatewayUnavailableError. A SET Error from the gateway becomes a SetWalletError (a
 * SetError) with the gateway's code, a sentence for the developer, and the gateway's words. A business answer (declined, rejected) is returned, not thrown.
 */

import { readBody } from '../protocol/body.ts';
import {
  type Amount,
  type AuthResData,
  b64u,
  buildAuthReq,
  buildFollowUp,
  buildNotifyRegReq,
  buildPCertReq,
  buildSubsequentAuthReq,
  buildTransListReq,
  type Clock,
  carriedCerts,
  type FollowUpRequest,
  type FollowUpRequestData,
  type FollowUpResponseData,
  type InstallRecurData,
  MAX_WIRE_BYTES,
  merchantIdOf,
  type NotifyRegResContent,
  offendingOf,
  type ParsedCertificate,
  type ParsedCrl,
  parseWith,
  randomNonce,
  readError,
  SetError,
  type TransactionState,
  type TransIds,
  TransListReqContent,
  type TransRecord,
  TrustCache,
  type TrustStore,
  type VerifiedPReq,
  verifyAuthRes,
  verifyFollowUpResponse,
  verifyNotifyRegRes,
  verifyPCertRes,
  verifyTransListRes,
} from '../protocol/index.ts';
import { type BatchClient, batchClient } from './batches.ts';
import { describeFailure, GatewayUnavailableError, neverConnected } from './gateway-unavailable.ts';
import type { MerchantKeys } from './keys.ts';
import { SET_CONTENT_TYPE } from './set-response.ts';
import { SetWalletError, setWalletError } from './set-wallet-error.ts';
import { importMerchantKeys, installNativePlatform } from './start-up.ts';

export interface GatewayClientOptions {
  /** The gateway's SET endpoint, e.g. `${gatewayUrl}/set`. */
  endpoint: string;
  merchant: MerchantKeys;
  /**
   * The gateway's key-exchange certificate, then its CAs: requests are sealed to it. Leave it out
   * and the client asks the gateway itself (PCertReq → PCertRes), keeps the answer by
   * thumbprint, and asks again when the gateway says thumbsMismatch or the certificate is within
   * a day of expiry: a gateway key rollover needs nothing from you.
   */
  gatewayKeyExchange?: ParsedCertificate[];
  trustedRoots: ParsedCertificate[];
  /** The CRLs in force, asked for before each response is verified. */
  crls?: () => Promise<ParsedCrl[]>;
  fetch?: typeof fetch;
  /** Attempts per request (default 3). */
  attempts?: number;
  /** Wait before the second attempt, doubled each time (default 250 ms). */
  backoffMs?: number;
  /** Per attempt (default 15 s). */
  timeoutMs?: number;
  now?: () => Date;
}

export interface AuthorizationRequest {
  /** From the verified PReq (verifyPReq's result). */
  purchase: {
    oiData: Pick<VerifiedPReq['oiData'], 'transIds' | 'hod'>;
    hOIData: Uint8Array;
    piBytes: Uint8Array;
    /** The cardholder's chain as the PReq carried it, forwarded to the gateway. */
    certs: string[];
  };
  amount: Amount;
  captureNow?: boolean;
  /** The RRPID claimed for this XID: a resent AuthReq with it is a retry the gateway answers once. */
  rrpid: string;
  /** The order's payment plan, as its PInitRes declared it (the gateway checks it against the PI). */
  installRecurData?: InstallRecurData;
}

/**
 * A further authorization of an authorized purchase (SET-PROFILE §6): a split shipment's next
 * part, or a plan's next payment, with the AuthToken of the purchase's latest AuthRes.
 */
export interface SubsequentAuthorizationRequest {
  transIds: TransIds;
  authToken: string;
  amount: Amount;
  /** The same key gets the same AuthRes from the gateway and never a second authorization. */
  idempotencyKey: string;
  captureNow?: boolean;
}

export interface FollowUpParams {
  transIds: TransIds;
  /** Capture and refund: the amount. Reversal: the new authorized amount (zero reverses it all). */
  amount: Amount;
  /** The AuthRes capToken (capture only). */
  capToken?: string;
  /**
   * SET-PROFILE §6: the same key always gets the same answer from the gateway and never a second
   * effect. Default: a new random key, so only resending the same request is a retry.
   */
  idempotencyKey?: string;
  /**
   * Capture, refund and their reversals: the open batch to put it in (SET 1.0 BatchID). Default:
   * the merchant's open batch, which the gateway opens when there is none. The answer's `batchId`
   * and `batchSeq` say where it went.
   */
  batchId?: number;
}

/** A follow-up built and signed, ready to send, and to keep so a retry resends the same bytes. */
export interface PreparedFollowUp {
  type: FollowUpRequest;
  /** The wire JSON to POST. */
  wire: string;
  /** What was signed: the answer is checked against it. */
  content: FollowUpRequestData;
}

/** The batch calls (openBatch, closeBatch, listBatches, batchSummary, batchDetail): batches.ts. */
export interface GatewayClient extends BatchClient {
  readonly endpoint: string;
  /** The key-exchange chain in use (empty until the first PCertRes when none was configured). */
  readonly gatewayKeyExchange: ParsedCertificate[];
  /** The key-exchange chain in use, asking the gateway first when none is held or it is near expiry. */
  currentGatewayKeyExchange(): Promise<ParsedCertificate[]>;
  /** Asks the gateway for its current certificates now (PCertReq → PCertRes). */
  refreshGatewayCertificates(): Promise<GatewayCertificates>;
  authorize(req: AuthorizationRequest): Promise<AuthResData>;
  /** A subsequent AuthReq (SubsequentAuthInd + AuthToken); resending the same key is a retry. */
  authorizeSubsequent(req: SubsequentAuthorizationRequest): Promise<AuthResData>;
  capture(p: FollowUpParams): Promise<FollowUpResponseData>;
  refund(p: FollowUpParams): Promise<FollowUpResponseData>;
  reverse(p: FollowUpParams): Promise<FollowUpResponseData>;
  /** Any follow-up, including CapRevReq and CredRevReq. */
  followUp(type: FollowUpRequest, p: FollowUpParams): Promise<FollowUpResponseData>;
  /**
   * Builds and signs a follow-up without sending it (to persist it first), sealed to the gateway's
   * current key-exchange certificate (asked for first when none is held or it is near expiry).
   */
  prepareFollowUp(type: FollowUpRequest, p: FollowUpParams): Promise<PreparedFollowUp>;
  /** Sends a prepared follow-up (the same bytes every time) and checks the answer. */
  sendFollowUp(prepared: PreparedFollowUp): Promise<FollowUpResponseData>;
  /**
   * Registers the URL the gateway POSTs its Notifications to (NotifyRegReq → NotifyRegRes,
   * SET-PROFILE §6): an absolute http(s) URL, at most 2048 characters. Replaces any earlier one.
   */
  registerNotifications(url: string): Promise<NotifyRegResContent>;
  /**
   * One page of this merchant's transactions as the gateway's ledger holds them, newest first
   * (TransListReq → TransListRes). Pass `nextCursor` back as `cursor` for the next page, with the
   * same filter; no `nextCursor` means this was the last page.
   */
  listTransactions(params?: ListTransactionsParams): Promise<TransactionPage>;
  /** One transaction by XID with its captures, refunds and reversals; undefined when the gateway has none for this merchant. */
  getTransaction(xid: string): Promise<GatewayTransaction | undefined>;
  /** Every transaction matching the filter, newest first, page after page. */
  allTransactions(params?: Omit<ListTransactionsParams, 'cursor'>): AsyncIterableIterator<GatewayTransaction>;
}

/** An authorization as the gateway's ledger holds it (TransListRes; docs/protocol.md). */
export type GatewayTransaction = TransRecord;

export interface ListTransactionsParams {
  /** 1 to 50 (default 20). */
  limit?: number;
  /** A page's `nextCursor`. */
  cursor?: string;
  state?: TransactionState;
  /** Created at or after. */
  from?: Date | string;
  /** Created before. */
  until?: Date | string;
  /** The order id: the LID-M the payment initiation named. */
  orderId?: string;
  /** ISO 4217, e.g. 'EUR'. */
  currency?: string;
}

export interface TransactionPage {
  transactions: GatewayTransaction[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface GatewayCertificates {
  /** The gateway's signature certificate, then its CAs. */
  signature: ParsedCertificate[];
  /** The gateway's key-exchange certificate, then its CAs. */
  keyExchange: ParsedCertificate[];
}

/** A fetched key-exchange certificate this close to expiry is fetched again. */
export const GATEWAY_CERT_REFRESH_MS = 24 * 3600_000;

export async function createGatewayClient(opts: GatewayClientOptions): Promise<GatewayClient> {
  installNativePlatform();
  await importMerchantKeys(opts.merchant);
  const doFetch = opts.fetch ?? fetch;
  const attempts = Math.max(1, opts.attempts ?? 3);
  const backoffMs = opts.backoffMs ?? 250;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const now = opts.now ?? (() => new Date());
  // Long-lived: validated chains only. Each answer gets its own TrustStore for what it carries.
  const cache = new TrustCache(opts.trustedRoots);
  const configured = opts.gatewayKeyExchange !== undefined;
  let gatewayChain: ParsedCertificate[] = opts.gatewayKeyExchange ?? [];
  if (configured) {
    if (!gatewayChain[0]) throw new Error('createGatewayClient: gatewayKeyExchange is empty');
    const given = cache.forRequest();
    for (const c of gatewayChain) given.add(c);
    // Fail at start-up, not on the first payment, when the configured certificate is not a gateway
    // key-exchange certificate under our roots.
    await given.verify(
      gatewayChain[0].thumbprint,
      { types: ['gateway'], keyRole: 'key-exchange' },
      { now: now() },
    );
  }
  // The gateway seals its responses to this key; it learns the certificate from `certs`.
  const merchantKxCerts = carriedCerts([opts.merchant.keyExchange.chain]);
  const signer = opts.merchant.signature;
  const own = cache.forRequest();
  for (const c of signer.chain) own.add(c);
  // Our brand: the one the PCertReq asks for (and a check, at start-up, of our own chain).
  const brandId = await (
    await own.verify(
      signer.certificate.thumbprint,
      { types: ['merchant'], keyRole: 'signature' },
      { now: now() },
    )
  ).brandId;

  async function context(): Promise<{ trust: TrustStore; clock: Clock }> {
    if (opts.crls) cache.setCrls(await opts.crls());
    const trust = cache.forRequest();
    // The gateway's chain as we hold it (configured or fetched), so its answers may leave it out.
    for (const c of gatewayChain) trust.add(c);
    return { trust, clock: { now: now() } };
  }

  let refreshing: Promise<GatewayCertificates> | undefined;
  /** PCertReq → PCertRes; concurrent callers share one request. */
  function refresh(): Promise<GatewayCertificates> {
    refreshing ??= (async () => {
      try {
        const { wire, content } = await buildPCertReq({ merchant: signer, brandId, now: now() });
        const answer = await exchange(JSON.stringify(wire));
        const res = await verifyPCertRes(answer, content, await context());
        const got = {
          signature: res.signature.chain.filter((c) => c.certificateType !== 'root'),
          keyExchange: res.keyExchange.chain.filter((c) => c.certificateType !== 'root'),
        };
        gatewayChain = got.keyExchange;
        return got;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  /** The key-exchange certificate to seal to, valid now (fetched when absent or near expiry). */
  async function sealTo(): Promise<ParsedCertificate> {
    const held = gatewayChain[0];
    const soon = now().getTime() + GATEWAY_CERT_REFRESH_MS;
    if (!held || (!configured && held.notAfter.getTime() < soon)) await refresh();
    const kx = gatewayChain[0]!;
    const { trust, clock } = await context();
    await trust.verify(kx.thumbprint, { types: ['gateway'], keyRole: 'key-exchange' }, clock);
    return kx;
  }

  /** Runs `attempt`; when the gateway holds another key-exchange certificate, fetches it and runs it once more. */
  async function withRollover<T>(attempt: (kx: ParsedCertificate) => Promise<T>): Promise<T> {
    const kx = await sealTo();
    try {
      return await attempt(kx);
    } catch (e) {
      if (configured || !(e instanceof SetError) || e.code !== 'thumbsMismatch') throw e;
      const before = b64u(kx.thumbprint);
      await refresh();
      const fresh = await sealTo();
      if (b64u(fresh.thumbprint) === before) throw e;
      return attempt(fresh);
    }
  }

  /** POSTs the same bytes until the gateway answers; returns its SET answer or throws. */
  async function exchange(body: string): Promise<Uint8Array> {
    let maybeDelivered = false;
    let lastFailure = '';
    let retryAfterMs = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(Math.max(backoffMs * 2 ** (attempt - 2), retryAfterMs));
      retryAfterMs = 0;
      let response: Response;
      try {
        response = await doFetch(opts.endpoint, {
          method: 'POST',
          headers: { 'content-type': SET_CONTENT_TYPE, accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        if (!neverConnected(e)) maybeDelivered = true;
        lastFailure = describeFailure(e);
        continue;
      }
      maybeDelivered = true;
      if (response.status >= 500) {
        // A gateway whose ledger is down says when to come back (bounded: we never wait long).
        const after = Number(response.headers.get('retry-after'));
        if (Number.isFinite(after) && after > 0) retryAfterMs = Math.min(after * 1000, MAX_RETRY_AFTER_MS);
        await response.body?.cancel().catch(() => {});
        lastFailure = `HTTP ${response.status}`;
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = await readBody(response, MAX_WIRE_BYTES);
      } catch (e) {
        if (e instanceof SetError) throw new SetError('messageTooBig', 'the gateway answered with too much');
        lastFailure = describeFailure(e);
        continue;
      }
      if (offendingOf(bytes).type === 'Error') {
        throw setWalletError((await readError(bytes, await context())).content, 'gateway');
      }
      if (!response.ok) {
        throw new SetError(
          'unspecifiedFailure',
          `the gateway answered HTTP ${response.status} without a SET message`,
        );
      }
      return bytes;
    }
    throw new GatewayUnavailableError(opts.endpoint, attempts, maybeDelivered, lastFailure);
  }

  /** Seals to the current key-exchange certificate, kept with the bytes so a retry resends them. */
  async function prepareFollowUp(type: FollowUpRequest, p: FollowUpParams): Promise<PreparedFollowUp> {
    const gatewayKx = await sealTo();
    const { wire, content } = await buildFollowUp(type, {
      merchant: signer,
      gatewayKeyExchange: gatewayKx,
      transIds: p.transIds,
      amount: p.amount,
      ...(p.capToken ? { capToken: p.capToken } : {}),
      ...(p.batchId !== undefined ? { batchId: p.batchId } : {}),
      idempotencyKey: p.idempotencyKey ?? b64u(randomNonce()).slice(0, 32),
      now: now(),
    });
    // `certs` travels outside the signature: adding our key-exchange chain changes nothing signed.
    wire.certs = [...new Set([...(wire.certs ?? []), ...merchantKxCerts])];
    return { type, wire: JSON.stringify(wire), content };
  }

  async function sendFollowUp(prepared: PreparedFollowUp): Promise<FollowUpResponseData> {
    let answer: Uint8Array;
    try {
      answer = await exchange(prepared.wire);
    } catch (e) {
      // Sealed to a key the gateway no longer holds: nothing happened. Learn its new key, so the
      // next follow-up prepared is sealed to it.
      if (!configured && e instanceof SetError && e.code === 'thumbsMismatch')
        await refresh().catch(() => {});
      throw e;
    }
    return (
      await verifyFollowUpResponse(
        answer,
        prepared.type,
        prepared.content,
        opts.merchant.keyExchange,
        await context(),
      )
    ).content;
  }

  const followUp = async (type: FollowUpRequest, p: FollowUpParams) =>
    sendFollowUp(await prepareFollowUp(type, p));

  /** TransListReq → TransListRes; the answer must come from the gateway whose certificates we hold. */
  async function transList(query: {
    xid?: string;
    filter?: TransListReqContent['filter'];
    limit?: number;
    cursor?: string;
  }) {
    const held = await sealTo();
    const { wire, content } = await buildTransListReq({ merchant: signer, brandId, ...query, now: now() });
    // Refuse a bad argument here, with the field named, rather than after a round trip.
    parseWith(TransListReqContent, content, 'listTransactions');
    const answer = await exchange(JSON.stringify(wire));
    return (await verifyTransListRes(answer, content, await context(), held.subjectDn)).content;
  }

  async function listTransactions(params: ListTransactionsParams = {}): Promise<TransactionPage> {
    const filter = {
      ...(params.state !== undefined ? { state: params.state } : {}),
      ...(params.from !== undefined ? { from: isoDate(params.from, 'from') } : {}),
      ...(params.until !== undefined ? { until: isoDate(params.until, 'until') } : {}),
      ...(params.orderId !== undefined ? { lidM: params.orderId } : {}),
      ...(params.currency !== undefined ? { currency: params.currency } : {}),
    };
    const res = await transList({
      ...(Object.keys(filter).length ? { filter } : {}),
      ...(params.limit !== undefined ? { limit: params.limit } : {}),
      ...(params.cursor !== undefined ? { cursor: params.cursor } : {}),
    });
    return {
      transactions: res.transactions,
      ...(res.nextCursor !== undefined ? { nextCursor: res.nextCursor } : {}),
    };
  }

  async function getTransaction(xid: string): Promise<GatewayTransaction | undefined> {
    try {
      return (await transList({ xid })).transactions[0];
    } catch (e) {
      if (e instanceof SetWalletError && e.code === 'unknownXID') return undefined;
      throw e;
    }
  }

  async function* allTransactions(
    params: Omit<ListTransactionsParams, 'cursor'> = {},
  ): AsyncIterableIterator<GatewayTransaction> {
    let cursor: string | undefined;
    do {
      const page = await listTransactions({ ...params, ...(cursor !== undefined ? { cursor } : {}) });
      yield* page.transactions;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  const batches = batchClient({
    signer,
    brandId,
    now,
    exchange,
    context,
    gatewaySubject: async () => (await sealTo()).subjectDn,
  });

  return {
    ...batches,
    endpoint: opts.endpoint,
    get gatewayKeyExchange() {
      return gatewayChain;
    },
    currentGatewayKeyExchange: async () => {
      await sealTo();
      return gatewayChain;
    },
    refreshGatewayCertificates: refresh,
    authorize: (req) => withRollover((gatewayKx) => authorizeWith(gatewayKx, req)),
    authorizeSubsequent: (req) => withRollover((gatewayKx) => authorizeSubsequentWith(gatewayKx, req)),
    capture: (p) => followUp('CapReq', p),
    refund: (p) => followUp('CredReq', p),
    reverse: (p) => followUp('AuthRevReq', p),
    followUp,
    prepareFollowUp,
    sendFollowUp,
    listTransactions,
    getTransaction,
    allTransactions,
    registerNotifications: async (url) => {
      const { wire, content } = await buildNotifyRegReq({ merchant: signer, brandId, url, now: now() });
      const answer = await exchange(JSON.stringify(wire));
      return (await verifyNotifyRegRes(answer, content, merchantIdOf(signer.certificate), await context()))
        .content;
    },
  };

  async function authorizeWith(
    gatewayKx: ParsedCertificate,
    req: AuthorizationRequest,
  ): Promise<AuthResData> {
    const { wire, content } = await buildAuthReq({
      merchant: signer,
      gatewayKeyExchange: gatewayKx,
      oiData: req.purchase.oiData,
      hOIData: req.purchase.hOIData,
      piBytes: req.purchase.piBytes,
      cardholderCerts: [...req.purchase.certs, ...merchantKxCerts],
      authReqAmt: req.amount,
      captureNow: req.captureNow ?? false,
      ...(req.installRecurData ? { installRecurData: req.installRecurData } : {}),
      rrpid: req.rrpid,
      now: now(),
    });
    const answer = await exchange(JSON.stringify(wire));
    return (await verifyAuthRes(answer, content, opts.merchant.keyExchange, await context())).content;
  }

  async function authorizeSubsequentWith(
    gatewayKx: ParsedCertificate,
    req: SubsequentAuthorizationRequest,
  ): Promise<AuthResData> {
    const { wire, content } = await buildSubsequentAuthReq({
      merchant: signer,
      gatewayKeyExchange: gatewayKx,
      transIds: req.transIds,
      authToken: req.authToken,
      authReqAmt: req.amount,
      idempotencyKey: req.idempotencyKey,
      captureNow: req.captureNow ?? false,
      extraCerts: merchantKxCerts,
      rrpid: b64u(randomNonce()),
      now: now(),
    });
    const answer = await exchange(JSON.stringify(wire));
    return (await verifyAuthRes(answer, content, opts.merchant.keyExchange, await context())).content;
  }
}

const MAX_RETRY_AFTER_MS = 5_000;

/** A Date, or an ISO 8601 string, as SET/2's timestamp (UTC with milliseconds). */
function isoDate(d: Date | string, what: string): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime()))
    throw new SetError('decodingFailure', `listTransactions: ${what} is not a date`);
  return date.toISOString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
