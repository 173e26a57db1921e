/**
 * Which key the gateway seals its answers to. SET Book 2 seals AuthRes and the follow-up
 * responses to the merchant's key-exchange certificate; the merchant signs with another, its
 * signature certificate. The merchant carries its key-exchange chain in the AuthReq `certs`
 * (next to its signature chain and the cardholder's); the gateway takes the certificate that the
 * same CA issued to the same subject as the signing certificate, for the key-exchange role, and
 * validates its chain like any other. The ledger keeps that chain, so follow-up answers (whose
 * requests carry only the signature chain) are sealed to the same key.
 */
import {
  b64u,
  fromB64u,
  merchantIdOf,
  type ParsedCertificate,
  SetError,
  sha256,
  type ValidatedPath,
  type VerifyContext,
} from '../protocol/index.ts';

const MERCHANT_KEY_EXCHANGE = { types: ['merchant' as const], keyRole: 'key-exchange' as const };

/**
 * Finds and validates the merchant's key-exchange certificate among `carried` (base64url DER),
 * or else re-validates the `recorded` chain (follow-ups, whose requests carry only the signature
 * chain).
 */
export async function merchantKeyExchangeOf(
  signer: ValidatedPath,
  carried: readonly string[] | undefined,
  ctx: VerifyContext,
  recorded?: readonly string[],
): Promise<ValidatedPath> {
  const sig = signer.chain[0]!;
  let failure: SetError | undefined;
  for (const encoded of carried ?? []) {
    // openExchange already parsed every carried certificate into the trust store's pool.
    const cert = ctx.trust.getEncoded(encoded);
    if (!cert || !isKeyExchangeTwin(cert, sig)) continue;
    try {
      return await ctx.trust.verify(cert.thumbprint, MERCHANT_KEY_EXCHANGE, ctx.clock);
    } catch (e) {
      if (!(e instanceof SetError)) throw e;
      failure = e;
    }
  }
  if (!failure && recorded) return await recordedKeyExchange(recorded, ctx);
  throw (
    failure ??
    new SetError(
      'missingCertificate',
      'the AuthReq carries no key-exchange certificate for this merchant: add the merchant-kx chain to the AuthReq certs so the AuthRes can be sealed to it',
    )
  );
}

/** Re-validates a chain the ledger recorded at authorization (dates and revocation may have changed). */
async function recordedKeyExchange(chain: readonly string[], ctx: VerifyContext): Promise<ValidatedPath> {
  if (chain.length === 0) throw new SetError('missingCertificate', 'no merchant key-exchange certificate');
  ctx.trust.addEncoded(chain);
  return await ctx.trust.verify(sha256(fromB64u(chain[0]!, 'certificate')), MERCHANT_KEY_EXCHANGE, ctx.clock);
}

/** The chain to record: the key-exchange certificate and its CAs, without the root. */
export function chainToRecord(path: ValidatedPath): string[] {
  return path.chain.filter((c) => c.certificateType !== 'root').map((c) => b64u(c.der));
}

function isKeyExchangeTwin(cert: ParsedCertificate, sig: ParsedCertificate): boolean {
  return (
    cert.certificateType === 'merchant' &&
    cert.keyRole === 'key-exchange' &&
    cert.subjectDn === sig.subjectDn &&
    cert.issuerDn === sig.issuerDn
  );
}

/**
 * The enrolled merchant behind a verified signature chain (issue 8.1; SET-PROFILE §6): the
 * MerchantID its MCA assigned, and that MCA, named by the SHA-256 of its public key (so a
 * re-issued MCA certificate for the same key is the same issuer). A chain that repeats the ID
 * under another MCA, even one of the same brand and root, yields another identity.
 */
export function merchantIdentityOf(signer: ValidatedPath): { merchantId: string; issuer: string } {
  const leaf = signer.chain[0]!;
  const mca = signer.chain[1];
  if (!mca) throw new SetError('invalidCertificate', 'the merchant certificate has no issuing MCA');
  let issuer = mcaKeyIds.get(mca);
  if (issuer === undefined) {
    issuer = b64u(sha256(mca.publicKey));
    mcaKeyIds.set(mca, issuer);
  }
  return { merchantId: merchantIdOf(leaf), issuer };
}

/** SHA-256 of an MCA's public key, per parsed certificate (a validated chain's CAs are the same objects each time). */
const mcaKeyIds = new WeakMap<ParsedCertificate, string>();
