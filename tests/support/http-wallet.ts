/**
 * A protocol-level cardholder over real HTTP, built only from src/protocol: it registers a card
 * with a CCA's SET endpoint and pays at a merchant's SET endpoint, as the wallet does through the
 * page. Errors come back as the SetError the peer reported.
 */

import { postSet } from '../../src/merchant/post-set.ts';
import {
  buildCardCInitReq,
  buildCertReq,
  buildPInitReq,
  buildPReq,
  buildRegFormReq,
  type CertReqData,
  encodeWire,
  generateKeyPair,
  type ParsedCertificate,
  TrustStore,
  verifyCardCInitRes,
  verifyCertRes,
  verifyPInitRes,
  verifyPRes,
  verifyRegFormRes,
} from '../../src/protocol/index.ts';
import type { Cardholder } from './world.ts';

const ctxFor = (root: ParsedCertificate) => ({ trust: new TrustStore([root]), clock: { now: new Date() } });

export async function registerOverHttp(
  ccaEndpoint: string,
  root: ParsedCertificate,
  pan: string,
  expiry = '203012',
  answers: Record<string, string> = { fullName: 'Ada Lovelace', postcode: 'N1 9GU' },
): Promise<Cardholder & { certReq: CertReqData }> {
  const ctx = ctxFor(root);
  const post = (wire: string) => postSet(ccaEndpoint, wire, [root]);
  const initReq = buildCardCInitReq({ brandId: 'SETPay', thumbs: ctx.trust.thumbs() });
  const init = await verifyCardCInitRes(await post(encodeWire(initReq.wire)), initReq.content, ctx);
  const regReq = await buildRegFormReq({ init, pan });
  const regForm = await verifyRegFormRes(await post(encodeWire(regReq.wire)), regReq.content, ctx);
  const keys = generateKeyPair();
  const certReq = await buildCertReq({
    answering: regForm.content,
    caKeyExchange: init.caKeyExchange.chain[0]!,
    privateKey: keys.privateKey,
    request: { requestType: 'cardholder', card: { pan, expiry } },
    answers,
  });
  const res = await verifyCertRes(await post(encodeWire(certReq.wire)), certReq.content, ctx);
  if (res.status !== 'issued') throw new Error(`registration refused: ${res.reason ?? 'no reason'}`);
  return {
    privateKey: keys.privateKey,
    certificate: res.certificate,
    chain: res.path.chain.filter((c) => c.certificateType !== 'root'),
    card: { pan, expiry, cardSecret: certReq.cardSecret!, panSecret: res.panSecret! },
    certReq: certReq.content,
  };
}

/** PInitReq → PInitRes → PReq → PRes at `setEndpoint`; checks origin binding against `pageOrigin`. */
export async function payOverHttp(
  setEndpoint: string,
  root: ParsedCertificate,
  cardholder: Cardholder,
  lidM: string,
) {
  const ctx = ctxFor(root);
  const post = (wire: string) => postSet(setEndpoint, wire, [root]);
  const req = buildPInitReq({
    lidC: 'http-wallet',
    lidM,
    brandId: 'SETPay',
    bin: cardholder.card.pan.slice(0, 6),
  });
  const pinit = await verifyPInitRes(await post(encodeWire(req.wire)), req.content, ctx);
  const pageOrigin = new URL(setEndpoint).origin;
  if (!pinit.merchant.chain[0]!.origins.includes(pageOrigin)) {
    throw new Error(`the merchant certificate is not bound to ${pageOrigin}`);
  }
  const preq = await buildPReq({
    pinit,
    card: cardholder.card,
    cardholder,
    bin: cardholder.card.pan.slice(0, 6),
    swIdent: 'http-wallet/1',
  });
  ctx.clock.now = new Date();
  const receipt = await verifyPRes(
    await post(encodeWire(preq.wire)),
    preq.oiData,
    pinit.merchant.chain[0]!.thumbprint,
    ctx,
  );
  return { pinit, preq, receipt };
}
