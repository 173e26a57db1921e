/**
 * Me-AqCInitReq → Me-AqCInitRes at the MCA and the PCA (SET Book 2 "Merchant/Acquirer certificate
 * initiation"; SET-PROFILE §4 Cardholder registration 4): the CA's certificates, the form, and a
 * fresh LID-CA and Chall-CA, remembered at stage 'form' for the CertReq that follows. A merchant
 * enrols at the MCA, a gateway at the PCA; the other request type is refused at each.
 */
import { buildMeAqCInitRes, caTypeFor, fail, parseMeAqCInitReq, randomLabel } from '../protocol/index.ts';
import { regFormIn } from './reg-forms.ts';
import {
  answerInitiation,
  checkBrand,
  type RegistrationContext,
  type SetHandlers,
} from './registration-context.ts';

export function meAqHandlers(ctx: RegistrationContext): SetHandlers {
  const { role } = ctx;
  return {
    'Me-AqCInitReq': async (m) => {
      const req = parseMeAqCInitReq(m.bytes, { now: m.at });
      if (caTypeFor(req.requestType) !== role.certificateType) {
        const other = req.requestType === 'merchant' ? '/set/mca' : '/set/pca';
        fail('messageNotSupported', `the ${role.title} does not enrol a ${req.requestType}; use ${other}`);
      }
      checkBrand(ctx, req.brandId, 'Me-AqCInitReq.brandId');
      const regForm = regFormIn(
        req.requestType === 'merchant' ? ctx.forms.merchant : ctx.forms.gateway,
        req.language,
      );
      const lidCA = randomLabel();
      const res = await buildMeAqCInitRes({
        req,
        ca: role.signer,
        caKeyExchange: role.keyExchange.chain,
        regForm,
        lidCA,
        now: m.now(),
      });
      return answerInitiation(ctx, m, { ...req, messageType: 'Me-AqCInitReq' }, res.wire, {
        lidCA,
        requestType: req.requestType,
        stage: 'form',
        challCA: res.content.challCA,
        regForm,
      });
    },
  };
}
