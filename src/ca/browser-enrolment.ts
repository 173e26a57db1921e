/**
 * Enrolment from the issuer site's Merchants page (sandbox convenience: the keys are made on the
 * server). A person in a browser cannot run the SET exchange, so the site runs it for them, as
 * the merchant's side, against its own MCA endpoint in process: Me-AqCInitReq → Me-AqCInitRes,
 * then CertReq → CertRes, through the very handler a merchant's HTTP request reaches. So the
 * enrolment policy, the MerchantID assignment, the name rules and the tables are those of
 * every other enrolment; only the key pairs are generated here, and handed over once, in the
 * bundle, never stored.
 */
import {
  decodeWire,
  type EnrolledKey,
  enrolOverSet,
  MAX_WIRE_BYTES,
  type MerchantRequestData,
  type ParsedCertificate,
  readError,
  readText,
  TrustStore,
} from '../protocol/index.ts';

export type BrowserEnrolment =
  | {
      enrolled: true;
      merchantId: string;
      signature: EnrolledKey;
      keyExchange: EnrolledKey;
      root: ParsedCertificate;
    }
  /** The MCA refused (a rejected CertRes) or answered an Error: its sentence. */
  | { enrolled: false; reason: string };

/** The MCA answered a SET Error: its sentence. */
class MCAError extends Error {}

export async function enrolInProcess(p: {
  /** The MCA's SET endpoint handler. */
  mca: (req: Request) => Promise<Response>;
  roots: ParsedCertificate[];
  brandId: string;
  merchant: MerchantRequestData;
  origins: string[];
  now: () => Date;
}): Promise<BrowserEnrolment> {
  const trust = new TrustStore(p.roots);
  const send = async (wire: string): Promise<string> => {
    const res = await p.mca(new Request('http://issuer.invalid/set/mca', { method: 'POST', body: wire }));
    const text = await readText(res, MAX_WIRE_BYTES);
    if (decodeWire(text).type === 'Error') {
      throw new MCAError((await readError(text, { trust, clock: { now: p.now() } })).content.errorMsg);
    }
    return text;
  };
  let outcome: Awaited<ReturnType<typeof enrolOverSet>>;
  try {
    outcome = await enrolOverSet({
      send,
      request: { requestType: 'merchant', merchantData: p.merchant, origins: p.origins },
      roots: p.roots,
      brandId: p.brandId,
      now: p.now,
    });
  } catch (e) {
    if (e instanceof MCAError) return { enrolled: false, reason: e.message };
    throw e;
  }
  if (!outcome.issued) return { enrolled: false, reason: outcome.reason };
  const merchantId = outcome.signature.certificate.merchantData?.merchantId;
  if (!merchantId) throw new Error('the MCA issued a certificate without a MerchantID');
  return {
    enrolled: true,
    merchantId,
    root: outcome.root,
    signature: outcome.signature,
    keyExchange: outcome.keyExchange,
  };
}
