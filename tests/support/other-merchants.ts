/**
 * Merchants that are not the world's genuine one, for the follow-up and subsequent-authorization
 * binding tests (SET-PROFILE §6 Merchant identity): a certificate that repeats the demo merchant's
 * MerchantID, name and origin under another MCA of the same brand and root, or another merchant
 * the genuine MCA enrolled.
 */
import {
  createCa,
  generateKeyPair,
  issueEndEntity,
  type ParsedCrl,
  type SignedSender,
} from '../../src/protocol/index.ts';
import { revocationOf, type World } from './world.ts';

const validity = () => ({
  notBefore: new Date(Date.now() - 3600_000),
  notAfter: new Date(Date.now() + 2 * 365 * 86400_000),
});

/**
 * A merchant certified by another MCA whose certificates repeat the genuine merchant's MerchantID.
 * `sameName` gives that MCA the genuine MCA's very subject, as a brand that certified a second
 * acquirer carelessly might.
 */
export function impostorMerchant(world: World, sameName: boolean): SignedSender & { privateKey: Uint8Array } {
  const genuineMca = world.party('mca').certificate;
  const rogueMca = createCa(world.issuer('brand-ca'), {
    certificateType: 'merchant-ca',
    commonName: sameName ? genuineMca.subject.commonName : 'SETPay Second Acquirer MCA',
    organization: 'SETPay',
    pathLength: 0,
    ...validity(),
  });
  const genuine = world.merchant.certificate;
  const { privateKey, publicKey } = generateKeyPair();
  const certificate = issueEndEntity(rogueMca, {
    certificateType: 'merchant',
    keyRole: 'signature',
    publicKey,
    subject: genuine.subject,
    ...(genuine.merchantData ? { merchantData: genuine.merchantData } : {}),
    origins: ['https://shop.example'],
    ...validity(),
  });
  return {
    privateKey,
    certificate,
    chain: [certificate, rogueMca.certificate, world.party('brand-ca').certificate],
  };
}

/** Another shop, enrolled by the genuine MCA under a MerchantID of its own. */
export function neighbourMerchant(world: World): SignedSender {
  return sameMcaMerchant(world, 'NEIGHBOUR-0001', {
    name: 'Neighbour Shop',
    city: 'Lyon',
    country: 'FR',
    origin: 'https://neighbour.example',
  });
}

/**
 * Another merchant of the genuine MCA (so one more merchant on the world's gateway), with its own
 * MerchantID; by default named "Shop <merchantId>" at https://other-shop.example, in the genuine
 * merchant's city, and valid from an hour ago for two years (or until `notAfter`, from a day before).
 */
export function sameMcaMerchant(
  world: World,
  merchantId: string,
  opts: { name?: string; city?: string; country?: string; origin?: string; notAfter?: Date } = {},
): SignedSender & { privateKey: Uint8Array } {
  const genuine = world.merchant.certificate;
  if (!genuine.merchantData) throw new Error('the world’s merchant certificate has no MerchantData');
  const name = opts.name ?? `Shop ${merchantId}`;
  const { privateKey, publicKey } = generateKeyPair();
  const certificate = issueEndEntity(world.issuer('mca'), {
    certificateType: 'merchant',
    keyRole: 'signature',
    publicKey,
    subject: { ...genuine.subject, commonName: name },
    merchantData: {
      ...genuine.merchantData,
      ...(opts.city ? { city: opts.city } : {}),
      ...(opts.country ? { country: opts.country } : {}),
      merchantId,
      name,
    },
    origins: [opts.origin ?? 'https://other-shop.example'],
    ...(opts.notAfter
      ? { notBefore: new Date(opts.notAfter.getTime() - 86400_000), notAfter: opts.notAfter }
      : validity()),
  });
  return { privateKey, certificate, chain: [certificate, ...world.merchant.chain.slice(1)] };
}

/**
 * Two more merchants of the genuine MCA, `other` (SETPAY-OTHER-0002) and `revoked`
 * (SETPAY-REVOKED-0003), and the world's CRLs in which the MCA has revoked the second (CRL 2).
 */
export async function otherAndRevokedMerchants(world: World): Promise<{
  other: SignedSender & { privateKey: Uint8Array };
  revoked: SignedSender & { privateKey: Uint8Array };
  crls: readonly ParsedCrl[];
}> {
  const other = sameMcaMerchant(world, 'SETPAY-OTHER-0002');
  const revoked = sameMcaMerchant(world, 'SETPAY-REVOKED-0003');
  const { crls } = await revocationOf(world, {
    revoked: [{ ca: 'mca', serialNumber: revoked.certificate.serialNumber }],
    crlNumber: 2,
  });
  return { other, revoked, crls };
}
