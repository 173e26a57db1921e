/**
 * The CCA's first two exchanges of cardholder registration (SET Book 2 "Cardholder
 * registration"; SET-PROFILE §4 Cardholder registration 1–2):
 *
 *   CardCInitReq → CardCInitRes: the CCA's certificates and a fresh LID-CA, remembered at stage 'init'.
 *   RegFormReq → RegFormRes: opens {PAN, EXNonce} with the CCA key-exchange key, and answers the
 *     issuer's form with a fresh Chall-CA (stage 'form'), or a referral for a number that is not a
 *     card number. The PAN is not kept: only a keyed digest, to check CertReq names the same card.
 *
 * CertReq → CertRes is in cert-req.ts, shared with the MCA and PCA.
 */
import {
  buildCardCInitRes,
  buildRegFormRes,
  encodeWire,
  fail,
  hmacSha256,
  openRegFormReq,
  parseCardCInitReq,
  type RegForm,
  randomLabel,
  utf8,
} from '../protocol/index.ts';
import { isLuhnValid } from '../protocol/pan.ts';
import { regFormIn } from './reg-forms.ts';
import {
  answerInitiation,
  checkBrand,
  type RegistrationContext,
  type SetHandlers,
} from './registration-context.ts';
import { advanceToForm, deletePending, findPending } from './store/pending.ts';
import { recordResponse } from './store/responses.ts';

export const NOT_A_CARD_REFERRAL =
  'This number fails the Luhn check, so it is not a card number. Check the digits, or use a number ' +
  'from the test cards page of this issuer.';

/**
 * The key of the PAN digest kept between RegFormReq and CertReq: derived from the CCA key-exchange
 * key, so the database alone cannot confirm a guessed card number.
 */
export function panDigestKey(ccaKeyExchangePrivateKey: Uint8Array): Uint8Array {
  return hmacSha256(ccaKeyExchangePrivateKey, utf8('SET/2 issuer site: pending registration PAN digest'));
}

export function panDigest(key: Uint8Array, pan: string): Uint8Array {
  return hmacSha256(key, utf8(pan));
}

export function cardholderHandlers(ctx: RegistrationContext, panKey: Uint8Array): SetHandlers {
  const { role, db } = ctx;
  return {
    CardCInitReq: async (m) => {
      const req = parseCardCInitReq(m.bytes, { now: m.at });
      checkBrand(ctx, req.brandId, 'CardCInitReq.brandId');
      const lidCA = randomLabel();
      const res = await buildCardCInitRes({
        req,
        ca: role.signer,
        caKeyExchange: role.keyExchange.chain,
        lidCA,
        now: m.now(),
      });
      return answerInitiation(ctx, m, { ...req, messageType: 'CardCInitReq' }, res.wire, {
        lidCA,
        requestType: 'cardholder',
        stage: 'init',
      });
    },

    RegFormReq: async ({ bytes, requestHash, at, now }) => {
      const req = await openRegFormReq(bytes, role.keyExchange, { now: at });
      checkBrand(ctx, req.brandId, 'RegFormReq.brandId');
      const pending = await findPending(db, role.name, req.lidCA, at);
      if (pending?.stage !== 'init') {
        fail(
          'unknownRRPID',
          'RegFormReq names a LID-CA with no registration awaiting its form; start again with CardCInitReq',
        );
      }
      if (pending.lidEE !== req.lidEE)
        fail('badMessageHeader', 'RegFormReq names another LID-EE than CardCInitReq');
      const pan = req.panOnly.pan;
      const renewal = req.regFormType === 'cardholderRenewal';
      const answer: { regForm: RegForm } | { referral: string } = isLuhnValid(pan)
        ? { regForm: regFormIn(renewal ? ctx.forms.cardholderRenewal : ctx.forms.cardholder, req.language) }
        : { referral: NOT_A_CARD_REFERRAL };
      const res = await buildRegFormRes({ req, ca: role.signer, answer, now: now() });
      const response = encodeWire(res.wire);
      await db.transaction(async (tx) => {
        if ('regForm' in answer) {
          const moved = await advanceToForm(
            tx,
            req.lidCA,
            {
              challCA: res.content.challCA,
              regForm: answer.regForm,
              panDigest: panDigest(panKey, pan),
              renewal,
            },
            at,
          );
          if (!moved)
            fail('unknownRRPID', 'this registration already has its form; start again with CardCInitReq');
        } else {
          // A referral ends the registration here (SET Book 2: the cardholder goes elsewhere).
          await deletePending(tx, req.lidCA);
        }
        await recordResponse(tx, {
          ca: role.name,
          rrpid: req.rrpid,
          messageType: 'RegFormReq',
          requestHash,
          response,
          at,
        });
      });
      return response;
    },
  };
}
