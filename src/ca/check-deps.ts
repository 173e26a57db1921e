/**
 * Refuses, at start, a site wired with the wrong keys or a broken table: each CA's certificates
 * must be of its type and role, chain to a trusted root, and match their private keys; the brand
 * ID must be the brand CA's CN (what verifiers report as the brand); test cards must be card
 * numbers. A misconfigured sandbox fails here with a sentence, not later with a SET Error.
 */
import * as v from 'valibot';
import {
  type CertificateType,
  constantTimeEqual,
  type KeyRole,
  Language,
  publicKeyOf,
  RegForm,
  validatePath,
} from '../protocol/index.ts';
import { isLuhnValid } from '../protocol/pan.ts';
import { type IssuerSiteDeps, type KeyHolder, TEST_CARD_BEHAVIOURS } from './deps.ts';
import { localized } from './reg-forms.ts';

async function checkHolder(
  name: string,
  h: KeyHolder,
  type: CertificateType,
  keyRole: KeyRole,
  deps: IssuerSiteDeps,
  at: Date,
): Promise<void> {
  const c = h.certificate;
  if (c.certificateType !== type || c.keyRole !== keyRole) {
    throw new Error(
      `${name}: expected a ${type} ${keyRole} certificate, got ${c.certificateType} ${c.keyRole}`,
    );
  }
  if (!constantTimeEqual(publicKeyOf(h.privateKey), c.publicKey)) {
    throw new Error(`${name}: the private key does not match the certificate`);
  }
  try {
    await validatePath({
      leaf: c,
      pool: [...h.chain, ...deps.brand.chain],
      trustedRoots: deps.trustedRoots,
      at,
      expect: { types: [type], keyRole },
    });
  } catch (e) {
    throw new Error(`${name}: ${e instanceof Error ? e.message : 'the certificate does not validate'}`);
  }
}

export async function checkDeps(deps: IssuerSiteDeps, at: Date): Promise<void> {
  await checkHolder('brand', deps.brand, 'brand-ca', 'signature', deps, at);
  if (deps.brand.certificate.subject.commonName !== deps.brandId) {
    throw new Error(
      `brandId "${deps.brandId}" is not the brand CA's name "${deps.brand.certificate.subject.commonName}"`,
    );
  }
  for (const [name, type] of [
    ['cca', 'cardholder-ca'],
    ['mca', 'merchant-ca'],
    ['pca', 'gateway-ca'],
  ] as const) {
    await checkHolder(name, deps[name].signature, type, 'signature', deps, at);
    await checkHolder(`${name}-kx`, deps[name].keyExchange, type, 'key-exchange', deps, at);
  }
  const pans = new Set<string>();
  for (const card of deps.testCards) {
    if (!isLuhnValid(card.pan)) throw new Error(`test card ${card.label}: the number fails the Luhn check`);
    if (!(TEST_CARD_BEHAVIOURS as readonly string[]).includes(card.behaviour)) {
      throw new Error(`test card ${card.label}: unknown behaviour ${String(card.behaviour)}`);
    }
    if (pans.has(card.pan)) throw new Error(`test card ${card.label}: the number is listed twice`);
    pans.add(card.pan);
  }
  for (const form of [deps.regForm, deps.merchantRegForm, deps.gatewayRegForm]) {
    if (form === undefined) continue;
    for (const [language, one] of Object.entries(localized(form))) {
      v.parse(Language, language);
      v.parse(RegForm, one);
    }
  }
}
