/**
 * The payment requests that follow an authorization (SET Book 2 "Capture", "Authorization
 * reversal", "Credit", and their reversals; SET-PROFILE §4 Payment): CapReq/CapRes,
 * CapRevReq/CapRevRes, AuthRevReq/AuthRevRes, CredReq/CredRes, CredRevReq/CredRevRes. All share
 * one shape: {TransIDs, RRPID, an amount} from the merchant, {status, amount, reason} from the
 * gateway, each signed by its sender and sealed to the receiver.
 */
import * as v from 'valibot';
import { b64u } from '../../encoding.ts';
import { fail } from '../../errors.ts';
import type { ParsedCertificate, ValidatedPath } from '../../pki/types.ts';
import { randomNonce } from '../../primitives/hash.ts';
import { Amount, b64uMax, IdempotencyKey, Nonce, Timestamp, TransIds } from '../fields.ts';
import type { Recipient } from '../sealed.ts';
import type { VerifyContext } from '../trust.ts';
import type { Wire, WireInput } from '../wire.ts';
import { MAX_CAP_TOKEN_BYTES } from './auth.ts';
import { BatchId, BatchSequenceNum } from './batch-admin.ts';
import {
  buildExchange,
  type ExchangeBody,
  merchantSignature,
  openExchange,
  openGatewayAnswer,
  type SignedSender,
} from './exchange.ts';

/** Request type → its response type and the statuses the gateway may answer with. */
export const FOLLOW_UPS = {
  CapReq: { response: 'CapRes', ok: 'captured' },
  CapRevReq: { response: 'CapRevRes', ok: 'captureReversed' },
  AuthRevReq: { response: 'AuthRevRes', ok: 'authorizationReversed' },
  CredReq: { response: 'CredRes', ok: 'credited' },
  CredRevReq: { response: 'CredRevRes', ok: 'creditReversed' },
} as const;
export type FollowUpRequest = keyof typeof FOLLOW_UPS;
export type FollowUpResponse = (typeof FOLLOW_UPS)[FollowUpRequest]['response'];

/** Why a gateway turned a follow-up request down. */
export const REJECT_REASONS = [
  'notAuthorized',
  'amountExceedsAuthorization',
  'amountExceedsCapture',
  'amountExceedsCredit',
  'alreadyReversed',
  'nothingToReverse',
  'authorizationExpired',
  /** The batch the request named is not this merchant's (or does not exist): batch-admin.ts. */
  'unknownBatch',
  /** The batch the request named is settled: nothing more goes into it. */
  'batchClosed',
] as const;

const requestSchema = <T extends FollowUpRequest>(type: T) =>
  v.strictObject({
    type: v.literal(`${type}Data` as `${T}Data`),
    date: Timestamp,
    rrpid: Nonce,
    transIds: TransIds,
    /** CapReq: amount to capture; CapRevReq: captured amount to reverse; AuthRevReq: the new authorized amount (0 reverses it all); CredReq: amount to refund; CredRevReq: credited amount to reverse. */
    amount: Amount,
    capToken: v.optional(b64uMax(MAX_CAP_TOKEN_BYTES)),
    idempotencyKey: v.optional(IdempotencyKey),
    /**
     * SET 1.0 BatchID (CapReq, CapRevReq, CredReq, CredRevReq): the merchant's open batch to put
     * this in. Absent: the merchant's open batch, opened when there is none.
     */
    batchId: v.optional(BatchId),
  });

const responseSchema = <T extends FollowUpRequest>(type: T) =>
  v.strictObject({
    type: v.literal(`${FOLLOW_UPS[type].response}Data` as `${(typeof FOLLOW_UPS)[T]['response']}Data`),
    date: Timestamp,
    rrpid: Nonce,
    transIds: TransIds,
    status: v.picklist([FOLLOW_UPS[type].ok, 'rejected'] as [(typeof FOLLOW_UPS)[T]['ok'], 'rejected']),
    amount: Amount,
    reason: v.optional(v.picklist(REJECT_REASONS)),
    /** SET 1.0 BatchID and BatchSequenceNum: where an accepted capture or credit (or its reversal) went. */
    batchId: v.optional(BatchId),
    batchSeq: v.optional(BatchSequenceNum),
  });

export type FollowUpRequestData = v.InferOutput<ReturnType<typeof requestSchema>>;
export type FollowUpResponseData = v.InferOutput<ReturnType<typeof responseSchema>>;

const REQUEST_SCHEMAS = {
  CapReq: requestSchema('CapReq'),
  CapRevReq: requestSchema('CapRevReq'),
  AuthRevReq: requestSchema('AuthRevReq'),
  CredReq: requestSchema('CredReq'),
  CredRevReq: requestSchema('CredRevReq'),
};
const RESPONSE_SCHEMAS = {
  CapReq: responseSchema('CapReq'),
  CapRevReq: responseSchema('CapRevReq'),
  AuthRevReq: responseSchema('AuthRevReq'),
  CredReq: responseSchema('CredReq'),
  CredRevReq: responseSchema('CredRevReq'),
};

/** Merchant side. */
export async function buildFollowUp(
  type: FollowUpRequest,
  p: {
    merchant: SignedSender;
    gatewayKeyExchange: ParsedCertificate;
    transIds: FollowUpRequestData['transIds'];
    amount: FollowUpRequestData['amount'];
    capToken?: string;
    idempotencyKey?: string;
    batchId?: number;
    now?: Date;
  },
): Promise<{ wire: Wire<FollowUpRequest, ExchangeBody>; content: FollowUpRequestData }> {
  const content: FollowUpRequestData = {
    type: `${type}Data`,
    date: (p.now ?? new Date()).toISOString(),
    rrpid: b64u(randomNonce()),
    transIds: p.transIds,
    amount: p.amount,
    ...(p.capToken ? { capToken: p.capToken } : {}),
    ...(p.idempotencyKey ? { idempotencyKey: p.idempotencyKey } : {}),
    ...(p.batchId !== undefined ? { batchId: p.batchId } : {}),
  };
  return { wire: await buildExchange(type, content, p.merchant, p.gatewayKeyExchange), content };
}

/** Gateway side. */
export async function verifyFollowUp(
  input: WireInput,
  type: FollowUpRequest,
  gateway: Recipient,
  ctx: VerifyContext,
): Promise<{ content: FollowUpRequestData; merchant: ValidatedPath }> {
  const { content, sender } = await openExchange(
    input,
    type,
    REQUEST_SCHEMAS[type],
    gateway,
    merchantSignature,
    ctx,
  );
  return { content: content as FollowUpRequestData, merchant: sender };
}

/** Gateway side. */
export async function buildFollowUpResponse(
  type: FollowUpRequest,
  p: {
    req: FollowUpRequestData;
    gateway: SignedSender;
    merchantKeyExchange: ParsedCertificate;
    status: FollowUpResponseData['status'];
    amount: FollowUpResponseData['amount'];
    reason?: (typeof REJECT_REASONS)[number];
    batch?: { batchId: number; seq: number };
    now?: Date;
  },
): Promise<{ wire: Wire<FollowUpResponse, ExchangeBody>; content: FollowUpResponseData }> {
  const response = FOLLOW_UPS[type].response;
  const content = {
    type: `${response}Data`,
    date: (p.now ?? new Date()).toISOString(),
    rrpid: p.req.rrpid,
    transIds: p.req.transIds,
    status: p.status,
    amount: p.amount,
    ...(p.reason ? { reason: p.reason } : {}),
    ...(p.batch ? { batchId: p.batch.batchId, batchSeq: p.batch.seq } : {}),
  } as FollowUpResponseData;
  return { wire: await buildExchange(response, content, p.gateway, p.merchantKeyExchange), content };
}

/** Merchant side. */
export async function verifyFollowUpResponse(
  input: WireInput,
  type: FollowUpRequest,
  req: FollowUpRequestData,
  merchant: Recipient,
  ctx: VerifyContext,
): Promise<{ content: FollowUpResponseData; gateway: ValidatedPath }> {
  const response = FOLLOW_UPS[type].response;
  const { content, gateway } = await openGatewayAnswer(
    input,
    response,
    RESPONSE_SCHEMAS[type],
    req,
    merchant,
    ctx,
  );
  const res = content as FollowUpResponseData;
  if (req.batchId !== undefined && res.batchId !== undefined && res.batchId !== req.batchId) {
    fail('unknownRRPID', `${response} put it into another batch than the one the request named`);
  }
  return { content: res, gateway };
}
