/**
 * The merchant's batches at its gateway (BatchAdminReq → BatchAdminRes; SET-PROFILE §6
 * "Batches"; docs/merchant-guide.md "Batches and settlement"): open, close (which settles), list,
 * and a batch's summary and detail. Every capture and refund the gateway accepts goes into the
 * merchant's open batch by itself; closing it is the merchant's end-of-day reconciliation.
 *
 * A close is sent once and retried with the very same bytes (same RRPID), which the gateway
 * answers with its stored answer: closing never happens twice. A close of a batch that is
 * already settled is answered `batchAlreadyClosed`, with the settlement it had.
 */
import {
  type BatchAdminQuery,
  type BatchAdminResContent,
  type BatchAdminStatus,
  type BatchItem,
  type BatchState,
  type BatchStatusRecord,
  type BatchTotal,
  buildBatchAdminReq,
  DEFAULT_BATCH_DETAIL,
  type SignedSender,
  type VerifyContext,
  verifyBatchAdminRes,
} from '../protocol/index.ts';

/** What the gateway client lends the batch calls: its signer, its transport and its trust. */
export interface BatchTransport {
  signer: SignedSender;
  brandId: string;
  now: () => Date;
  /** POSTs the same bytes until the gateway answers (gateway-client.ts). */
  exchange(body: string): Promise<Uint8Array>;
  context(): Promise<VerifyContext>;
  /** The subject of the gateway whose certificates the client holds: answers must be signed by it. */
  gatewaySubject(): Promise<string>;
}

export type GatewayBatch = BatchStatusRecord;
export type GatewayBatchItem = BatchItem;
export type GatewayBatchTotal = BatchTotal;

export interface BatchChange {
  /** success; batchAlreadyOpen (open: the batch already open is `batch`); batchAlreadyClosed (close: it was settled before, `batch` says how); unknownBatchID (close: not one of this merchant's batches). */
  status: BatchAdminStatus;
  batchId?: number;
  batch?: GatewayBatch;
  summary?: GatewayBatchTotal[];
}

export interface BatchPage {
  batches: GatewayBatch[];
  /** Pass as `before` for the next page; absent on the last. */
  nextBefore?: number;
}

export interface BatchDetailPage {
  batch: GatewayBatch;
  items: GatewayBatchItem[];
  /** Pass as `start` for the next page; absent on the last. */
  nextStart?: number;
}

export interface BatchClient {
  /** Opens a batch (BatchAdminReq open). With one already open, that one is answered (`batchAlreadyOpen`). */
  openBatch(): Promise<BatchChange>;
  /** Closes and settles a batch (BatchAdminReq close), with its summary. */
  closeBatch(batchId: number): Promise<BatchChange>;
  /** This merchant's batches, newest first. */
  listBatches(params?: { state?: BatchState; limit?: number; before?: number }): Promise<BatchPage>;
  /** A batch with its counts and totals per kind and currency; undefined when it is not this merchant's. */
  batchSummary(batchId: number): Promise<{ batch: GatewayBatch; summary: GatewayBatchTotal[] } | undefined>;
  /** A page of a batch's items in BatchSequenceNum order; undefined when it is not this merchant's. */
  batchDetail(batchId: number, page?: { start?: number; max?: number }): Promise<BatchDetailPage | undefined>;
  /** Every item of a batch, page after page (empty when it is not this merchant's). */
  allBatchItems(batchId: number): AsyncIterableIterator<GatewayBatchItem>;
}

export function batchClient(t: BatchTransport): BatchClient {
  async function ask(query: BatchAdminQuery): Promise<BatchAdminResContent> {
    const held = await t.gatewaySubject();
    const { wire, content } = await buildBatchAdminReq({
      merchant: t.signer,
      brandId: t.brandId,
      ...query,
      now: t.now(),
    });
    const answer = await t.exchange(JSON.stringify(wire));
    return (await verifyBatchAdminRes(answer, content, await t.context(), held)).content;
  }
  const changeOf = (res: BatchAdminResContent): BatchChange => ({
    status: res.status,
    ...(res.batchId !== undefined ? { batchId: res.batchId } : {}),
    ...(res.batch ? { batch: res.batch } : {}),
    ...(res.summary ? { summary: res.summary } : {}),
  });

  async function batchDetail(
    batchId: number,
    page: { start?: number; max?: number } = {},
  ): Promise<BatchDetailPage | undefined> {
    const res = await ask({
      operation: 'status',
      batchId,
      detail: { start: page.start ?? 0, max: page.max ?? DEFAULT_BATCH_DETAIL },
    });
    if (res.status !== 'success' || !res.batch || !res.detail) return undefined;
    return {
      batch: res.batch,
      items: res.detail.items,
      ...(res.detail.nextStart !== undefined ? { nextStart: res.detail.nextStart } : {}),
    };
  }

  return {
    openBatch: async () => changeOf(await ask({ operation: 'open' })),
    closeBatch: async (batchId) => changeOf(await ask({ operation: 'close', batchId, summary: true })),
    listBatches: async (params = {}) => {
      const list = {
        ...(params.state !== undefined ? { state: params.state } : {}),
        ...(params.limit !== undefined ? { limit: params.limit } : {}),
        ...(params.before !== undefined ? { before: params.before } : {}),
      };
      const res = await ask({ operation: 'list', ...(Object.keys(list).length ? { list } : {}) });
      return {
        batches: res.batches ?? [],
        ...(res.nextBefore !== undefined ? { nextBefore: res.nextBefore } : {}),
      };
    },
    batchSummary: async (batchId) => {
      const res = await ask({ operation: 'status', batchId, summary: true });
      if (res.status !== 'success' || !res.batch) return undefined;
      return { batch: res.batch, summary: res.summary ?? [] };
    },
    batchDetail,
    allBatchItems: async function* (batchId) {
      let start: number | undefined = 0;
      while (start !== undefined) {
        const page = await batchDetail(batchId, { start, max: 50 });
        if (!page) return;
        yield* page.items;
        start = page.nextStart;
      }
    },
  };
}
