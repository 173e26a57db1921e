/**
 * Every message that crosses a context boundary, as valibot schemas with size limits (ARCHITECTURE
 * "The extension's contexts"). A receiver parses with these before it looks at anything, and
 * everything from a page is untrusted: the page only *asks*; the content script reads the
 * initiation from the DOM itself, and the background takes the tab's origin from the browser's
 * sender, never from a message.
 *
 *   page → content          DOM events: PageEvent names, details PageRequest (empty)
 *   content → page          DOM event `set-wallet:outcome`, detail PageOutcome (no card data)
 *   content → background    ContentToBackground (initiation text); reply { ok } only
 *   background → content    BackgroundToContent (transport requests, outcomes); reply TransportReply
 *   UI ↔ background         UiRequest; reply UiReply
 *
 * The background answers both kinds of request from one table, switchboard.ts: one entry per type.
 */
import * as v from 'valibot';
// Leaf modules only (not the protocol's index): the content script imports this file.
import { MAX_INITIATION_BYTES } from '../protocol/initiation-check.ts';
import { MAX_WIRE_BYTES } from '../protocol/messages/wire-limit.ts';
// The content script parses its boundaries by hand (bridge-messages.ts, held to these schemas).
import type * as Bridge from './bridge-messages.ts';
import { MAX_TRANSPORT_URL_LENGTH, PAGE_OUTCOME_STATUSES } from './bridge-messages.ts';
import { WALLET_ERROR_CODES, WalletError } from './errors.ts';
import { MAX_BACKUP_BYTES, MAX_PASSPHRASE_LENGTH, MAX_ROOT_PEM_BYTES } from './limits.ts';

export { answerWith, PAGE_EVENTS } from './bridge-messages.ts';

/** True when A and B are the same type: the hand-written bridge types must match the schemas. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** A page's request carries nothing: what to pay is in the initiation the content script reads. */
export const PageRequest = v.nullish(v.strictObject({}));

/** What a page learns: the outcome and the XID it already knows. Never anything about cards. */
export const PageOutcome = v.strictObject({
  /**
   * `awaitingShopper`: not final. The page asked without a click or key press on it (or too soon
   * after its last window closed), so the wallet opened nothing: it marked its toolbar button, where
   * the shopper can review the payment, or the page can ask again from a button the shopper clicks.
   * `paying`: not final either. The shopper chose Pay in the wallet's window; the wallet is now
   * sending the payment (the page's endpoint is about to receive the PReq). The outcome follows.
   */
  status: v.picklist(PAGE_OUTCOME_STATUSES),
  /** The transaction (base64url XID) when there was one. */
  xid: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** For `failed`: the wallet's error code, or the SET ErrorCode behind it. */
  code: v.optional(v.pipe(v.string(), v.maxLength(64))),
});
export type PageOutcome = v.InferOutput<typeof PageOutcome>;

const InitiationText = v.pipe(v.string(), v.maxLength(MAX_INITIATION_BYTES));
const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const TabId = v.pipe(v.number(), v.integer(), v.minValue(0));
const WireText = v.pipe(v.string(), v.maxLength(MAX_WIRE_BYTES));
const Passphrase = v.pipe(v.string(), v.maxLength(MAX_PASSPHRASE_LENGTH));

export const ContentToBackground = v.variant('type', [
  /** The content script found an initiation in the page (on load or inserted later): badge the tab. */
  v.strictObject({
    type: v.literal('initiationFound'),
    kind: v.picklist(['payment', 'registration']),
    initiation: InitiationText,
  }),
  /**
   * The page dispatched set-wallet:request-payment; the content script read the initiation.
   * `gesture`: the content script's own finding (never the page's word) that the page had
   * transient user activation from a trusted input event not used by an earlier request.
   */
  v.strictObject({ type: v.literal('requestPayment'), initiation: InitiationText, gesture: v.boolean() }),
  v.strictObject({
    type: v.literal('requestRegistration'),
    initiation: InitiationText,
    gesture: v.boolean(),
  }),
]);
export type ContentToBackground = v.InferOutput<typeof ContentToBackground>;
export type ContentRequestType = ContentToBackground['type'];

export const BackgroundToContent = v.variant('type', [
  /**
   * POST `body` to `url`. The content script refuses unless `url` equals the endpoint of the
   * initiation it read from this page (resolved against location.origin): same origin only.
   */
  v.strictObject({
    type: v.literal('transportRequest'),
    url: v.pipe(v.string(), v.maxLength(MAX_TRANSPORT_URL_LENGTH)),
    body: WireText,
  }),
  v.strictObject({ type: v.literal('outcome'), outcome: PageOutcome }),
]);
export type BackgroundToContent = v.InferOutput<typeof BackgroundToContent>;

/** Fails to compile when bridge-messages.ts's hand-written types drift from these schemas. */
export const BRIDGE_TYPES_MATCH: Same<PageOutcome, Bridge.PageOutcome> &
  Same<BackgroundToContent, Bridge.BackgroundToContent> = true;

/** The content script's reply to a transportRequest: the HTTP body (SET Errors come with 4xx). */
export const TransportReply = v.variant('ok', [
  v.strictObject({
    ok: v.literal(true),
    status: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)),
    body: WireText,
  }),
  v.strictObject({ ok: v.literal(false), error: v.pipe(v.string(), v.maxLength(512)) }),
]);
export type TransportReply = v.InferOutput<typeof TransportReply>;

export const UiRequest = v.variant('type', [
  v.strictObject({ type: v.literal('vault.status') }),
  v.strictObject({ type: v.literal('vault.create'), passphrase: Passphrase }),
  v.strictObject({ type: v.literal('vault.unlock'), passphrase: Passphrase }),
  v.strictObject({ type: v.literal('vault.lock') }),
  /** User activity in a wallet page: postpones the auto-lock. */
  v.strictObject({ type: v.literal('vault.touch') }),
  v.strictObject({
    type: v.literal('vault.changePassphrase'),
    oldPassphrase: Passphrase,
    newPassphrase: Passphrase,
  }),
  v.strictObject({ type: v.literal('vault.exportBackup') }),
  v.strictObject({
    type: v.literal('vault.restoreBackup'),
    file: v.pipe(v.string(), v.maxLength(MAX_BACKUP_BYTES)),
    passphrase: Passphrase,
  }),
  v.strictObject({ type: v.literal('settings.get') }),
  v.strictObject({
    type: v.literal('settings.setIdleMinutes'),
    minutes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1440)),
  }),
  v.strictObject({ type: v.literal('roots.list') }),
  v.strictObject({
    type: v.literal('roots.propose'),
    pem: v.pipe(v.string(), v.maxLength(MAX_ROOT_PEM_BYTES)),
  }),
  v.strictObject({ type: v.literal('roots.confirm'), fingerprint: v.pipe(v.string(), v.maxLength(128)) }),
  v.strictObject({ type: v.literal('roots.remove'), fingerprint: v.pipe(v.string(), v.maxLength(128)) }),
  v.strictObject({ type: v.literal('cards.list') }),
  v.strictObject({ type: v.literal('cards.setDefault'), cardId: Id }),
  v.strictObject({ type: v.literal('cards.remove'), cardId: Id }),
  /** Renews the card's certificate at the CCA it was registered with (the old key co-signs). */
  v.strictObject({ type: v.literal('cards.renew'), cardId: Id }),
  /** Starts registering from the registration initiation found in tab `tabId`. */
  v.strictObject({ type: v.literal('registration.start'), tabId: TabId }),
  v.strictObject({ type: v.literal('registration.get'), registrationId: Id }),
  v.strictObject({
    type: v.literal('registration.enterCard'),
    registrationId: Id,
    pan: v.pipe(v.string(), v.maxLength(32)),
    expiry: v.pipe(v.string(), v.maxLength(6)),
  }),
  v.strictObject({
    type: v.literal('registration.submit'),
    registrationId: Id,
    answers: v.pipe(
      v.record(v.pipe(v.string(), v.maxLength(32)), v.pipe(v.string(), v.maxLength(256))),
      v.check((a) => Object.keys(a).length <= 20, 'at most 20 answers'),
    ),
  }),
  v.strictObject({ type: v.literal('registration.cancel'), registrationId: Id }),
  /** "Check again": CertInqReq about a registration the CCA left pending (or whose CertRes was lost). */
  v.strictObject({ type: v.literal('registration.inquire'), registrationId: Id }),
  /** The registrations the CCA left pending. */
  v.strictObject({ type: v.literal('registration.pending') }),
  /** The popup's "Register a card here": opens (or brings forward) the tab's registration window. */
  v.strictObject({ type: v.literal('registration.openWindow'), tabId: TabId }),
  /** The popup: which initiations the current tab declares (origin and endpoint, no text). */
  v.strictObject({ type: v.literal('initiations.forTab'), tabId: TabId }),
  /** The popup's "Pay at <origin>" for the current tab. */
  v.strictObject({ type: v.literal('purchase.start'), tabId: TabId }),
  v.strictObject({ type: v.literal('purchase.get'), requestId: Id }),
  v.strictObject({ type: v.literal('purchase.forTab'), tabId: TabId }),
  /**
   * Pay. `unsigned`: the shopper deliberately chose to pay without the card's certificate, which
   * the wallet allows only where the gateway's certificate does (cardCertRequired false).
   */
  v.strictObject({
    type: v.literal('purchase.pay'),
    requestId: Id,
    cardId: Id,
    unsigned: v.optional(v.boolean()),
  }),
  v.strictObject({ type: v.literal('purchase.cancel'), requestId: Id }),
  v.strictObject({ type: v.literal('receipts.list'), cardId: v.optional(Id) }),
  v.strictObject({ type: v.literal('receipts.get'), receiptId: Id }),
  v.strictObject({ type: v.literal('receipts.refresh'), receiptId: Id }),
  v.strictObject({ type: v.literal('receipts.export'), receiptId: Id }),
]);
export type UiRequest = v.InferOutput<typeof UiRequest>;
export type UiRequestType = UiRequest['type'];

export const WalletErrorSchema = v.strictObject({
  code: v.picklist(WALLET_ERROR_CODES),
  messageKey: v.pipe(v.string(), v.maxLength(64)),
  params: v.record(v.string(), v.union([v.string(), v.number()])),
  setCode: v.optional(v.string()),
  detail: v.pipe(v.string(), v.maxLength(2048)),
});

/** The background's answer to a UiRequest. `value`'s type is the called method's result. */
export const UiReply = v.variant('ok', [
  v.strictObject({ ok: v.literal(true), value: v.unknown() }),
  v.strictObject({ ok: v.literal(false), error: WalletErrorSchema }),
]);
export type UiReply = v.InferOutput<typeof UiReply>;

/** Why the confirmation window could not start, in its URL (`?error=`): an object, extra keys left out. */
export const StartError = v.object({
  code: v.pipe(v.string(), v.maxLength(64)),
  messageKey: v.pipe(v.string(), v.maxLength(64)),
  params: v.record(
    v.pipe(v.string(), v.maxLength(64)),
    v.union([v.pipe(v.string(), v.maxLength(512)), v.number()]),
  ),
  setCode: v.optional(v.pipe(v.string(), v.maxLength(64))),
});

/** Parses `input` with `schema`; a failure is WalletError `badMessage` naming the first problem. */
export function parseMessage<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p: { key: unknown }) => String(p.key)).join('.') ?? '';
  const problem = `${path ? `${path}: ` : ''}${issue.message}`.slice(0, 200);
  throw new WalletError('badMessage', `the message does not fit its schema: ${problem}`, { problem });
}
