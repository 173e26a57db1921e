/**
 * The cardholder's cards: each is a cardholder certificate (public) plus its secrets (signature
 * private key, PAN, expiry, CardSecret, PANSecret), sealed in the vault. One card is the default;
 * the first card registered becomes it.
 */
import {
  b64u,
  type Card,
  type CardholderSigner,
  type CertificateChain,
  fromB64u,
  fromHex,
  hex,
  type ParsedCertificate,
  parseCertificate,
  type ValidatedPath,
} from '../protocol/core.ts';
import { walletError } from './errors.ts';
import type { TrustedRoots } from './roots.ts';
import { randomBytes } from './vault/crypto.ts';
import type { CardRecord, CardSecrets, CardsMeta, WalletDb } from './vault/db.ts';
import type { Vault } from './vault/vault.ts';

export interface CardSummary {
  id: string;
  brand: string;
  last4: string;
  /** For display: `•••• 1111`. */
  masked: string;
  /** YYYYMM; present only while the vault is unlocked (expiry is encrypted at rest). */
  expiry?: string;
  /** The cardholder certificate's validity. */
  validFrom: string;
  validTo: string;
  sandbox: boolean;
  isDefault: boolean;
  /**
   * Whether the certificate needs renewing: `due` within RENEWAL_WINDOW_MS of its end, `expired`
   * after it (an expired certificate cannot sign a renewal: the card is registered again).
   */
  renewal: 'none' | 'due' | 'expired';
  /** The issuer site where the card was registered: renewal asks its CCA, re-registration happens there. */
  registeredAt?: string;
  /** When the certificate was last renewed. */
  renewedAt?: string;
  /**
   * The name of the cardholder CA that certified the card, from its certificate verified at
   * registration (the card's chain), never from the page the card was registered on.
   */
  issuerName?: string;
}

/** What registration hands over to be kept. */
export interface NewCard {
  brand: string;
  pan: string;
  expiry: string;
  cardSecret: Uint8Array;
  panSecret: Uint8Array;
  privateKey: Uint8Array;
  /** The verified certificate path: cardholder certificate first, trusted root last. */
  path: ValidatedPath;
  /** The issuer page's origin and the CCA endpoint the registration went to. */
  registeredAt?: { origin: string; endpointUrl: string };
}

/** What a renewal (or a registration again of an expired card) hands over: the new key and certificate. */
export interface RenewedCertificate {
  cardSecret: Uint8Array;
  panSecret: Uint8Array;
  privateKey: Uint8Array;
  path: ValidatedPath;
  registeredAt?: { origin: string; endpointUrl: string };
}

/** The wallet offers to renew a card's certificate this long before it ends (30 days). */
export const RENEWAL_WINDOW_MS = 30 * 24 * 60 * 60_000;

export const secretIdOf = (cardId: string) => `card/${cardId}`;

export class Cards {
  constructor(
    private readonly db: WalletDb,
    private readonly vault: Vault,
    private readonly roots: TrustedRoots,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<CardSummary[]> {
    const records = (await this.db.getAll('cards')).sort((a, b) => a.addedAt.localeCompare(b.addedAt));
    const defaultId = await this.defaultId();
    const unlocked = await this.vault.isUnlocked();
    const out: CardSummary[] = [];
    for (const r of records) {
      const secrets = unlocked ? await this.secrets(r.id) : undefined;
      out.push(this.summarise(r, r.id === defaultId, secrets?.expiry));
    }
    return out;
  }

  async get(id: string): Promise<CardRecord> {
    const record = typeof id === 'string' ? await this.db.get('cards', id) : undefined;
    if (!record) return walletError('unknownCard', 'there is no such card');
    return record;
  }

  async summary(id: string): Promise<CardSummary> {
    const record = await this.get(id);
    const expiry = (await this.vault.isUnlocked()) ? (await this.secrets(id)).expiry : undefined;
    return this.summarise(record, (await this.defaultId()) === id, expiry);
  }

  async defaultId(): Promise<string | null> {
    const meta = (await this.db.get('meta', 'cards')) as CardsMeta | undefined;
    return meta?.defaultCardId ?? null;
  }

  async setDefault(id: string): Promise<void> {
    await this.get(id);
    await this.db.put('meta', { id: 'cards', defaultCardId: id } satisfies CardsMeta);
  }

  /** Removes a card and its secrets; the vault must be unlocked. Another card becomes the default. */
  async remove(id: string): Promise<void> {
    await this.vault.key();
    await this.get(id);
    const others = (await this.db.getAll('cards'))
      .filter((c) => c.id !== id)
      .sort((a, b) => a.addedAt.localeCompare(b.addedAt));
    const wasDefault = (await this.defaultId()) === id;
    const tx = this.db.transaction(['cards', 'secrets', 'meta'], 'readwrite');
    await Promise.all([
      tx.objectStore('cards').delete(id),
      tx.objectStore('secrets').delete(secretIdOf(id)),
      wasDefault
        ? tx
            .objectStore('meta')
            .put({ id: 'cards', defaultCardId: others[0]?.id ?? null } satisfies CardsMeta)
        : undefined,
      tx.done,
    ]);
  }

  /** Keeps a newly certified card; its secrets are sealed under the vault key. */
  async add(card: NewCard): Promise<CardSummary> {
    const id = b64u(randomBytes(12));
    const certificate = card.path.chain[0];
    // Strictly increasing, so the list keeps registration order even within one clock tick.
    const latest = Math.max(0, ...(await this.db.getAll('cards')).map((c) => Date.parse(c.addedAt)));
    const addedAt = new Date(Math.max(this.now().getTime(), latest + 1)).toISOString();
    const record: CardRecord = {
      id,
      brand: card.brand,
      bin: card.pan.slice(0, 6),
      last4: card.pan.slice(-4),
      certificate: b64u(certificate.der),
      chain: card.path.chain.slice(1, -1).map((c) => b64u(c.der)),
      rootThumbprint: hex(card.path.root.thumbprint),
      addedAt,
      ...(card.registeredAt ? { registeredAt: card.registeredAt } : {}),
    };
    const secrets: CardSecrets = {
      pan: card.pan,
      expiry: card.expiry,
      cardSecret: b64u(card.cardSecret),
      panSecret: b64u(card.panSecret),
      privateKey: b64u(card.privateKey),
    };
    const sealed = await this.vault.sealJson(secretIdOf(id), secrets);
    const hasDefault = (await this.defaultId()) !== null;
    const tx = this.db.transaction(['cards', 'secrets', 'meta'], 'readwrite');
    await Promise.all([
      tx.objectStore('cards').add(record),
      tx.objectStore('secrets').add({ id: secretIdOf(id), sealed }),
      hasDefault
        ? undefined
        : tx.objectStore('meta').put({ id: 'cards', defaultCardId: id } satisfies CardsMeta),
      tx.done,
    ]);
    return this.summarise(record, !hasDefault, card.expiry);
  }

  /**
   * Gives card `id` its new certificate and key (a renewal, or the card registered again after
   * its certificate expired): the same card, so its receipts, activity and default stay; its PAN
   * and expiry stay too. The card record and its sealed secrets are written in one transaction, so
   * a failure leaves the old certificate and key as they were. The vault must be unlocked.
   */
  async renewCertificate(id: string, renewed: RenewedCertificate): Promise<CardSummary> {
    const record = await this.get(id);
    const old = await this.secrets(id);
    const certificate = renewed.path.chain[0]!;
    if (renewed.path.brandId !== record.brand) {
      walletError('protocol', 'the renewed certificate is for another brand');
    }
    const next: CardRecord = {
      ...record,
      certificate: b64u(certificate.der),
      chain: renewed.path.chain.slice(1, -1).map((c) => b64u(c.der)),
      rootThumbprint: hex(renewed.path.root.thumbprint),
      renewedAt: this.now().toISOString(),
      ...(renewed.registeredAt ? { registeredAt: renewed.registeredAt } : {}),
    };
    const secrets: CardSecrets = {
      pan: old.pan,
      expiry: old.expiry,
      cardSecret: b64u(renewed.cardSecret),
      panSecret: b64u(renewed.panSecret),
      privateKey: b64u(renewed.privateKey),
    };
    // Sealed before the transaction opens: IndexedDB commits a transaction left waiting on other work.
    const sealed = await this.vault.sealJson(secretIdOf(id), secrets);
    const tx = this.db.transaction(['cards', 'secrets'], 'readwrite');
    await Promise.all([
      tx.objectStore('cards').put(next),
      tx.objectStore('secrets').put({ id: secretIdOf(id), sealed }),
      tx.done,
    ]);
    return this.summarise(next, (await this.defaultId()) === id, old.expiry);
  }

  /**
   * The card of this brand and PAN whose certificate is expired or due for renewal, if any: a
   * registration of it again renews that card instead of adding a second one. Vault unlocked.
   */
  async renewableWithPan(brand: string, pan: string): Promise<string | undefined> {
    for (const r of await this.db.getAll('cards')) {
      if (r.brand !== brand || r.last4 !== pan.slice(-4) || r.bin !== pan.slice(0, 6)) continue;
      if (this.renewalOf(r) === 'none') continue;
      if ((await this.secrets(r.id)).pan === pan) return r.id;
    }
    return undefined;
  }

  /** Whether record `r`'s certificate is current, due for renewal or expired, now. */
  renewalOf(r: CardRecord): CardSummary['renewal'] {
    const notAfter = parseCertificate(fromB64u(r.certificate, 'certificate')).notAfter.getTime();
    const now = this.now().getTime();
    return now > notAfter ? 'expired' : now > notAfter - RENEWAL_WINDOW_MS ? 'due' : 'none';
  }

  /** The card and its signing key for a PReq; the vault must be unlocked. */
  async signer(id: string): Promise<{
    record: CardRecord;
    card: Card;
    /** Its chain starts with the card's own certificate, by its type. */
    cardholder: CardholderSigner & { chain: CertificateChain };
  }> {
    const record = await this.get(id);
    const s = await this.secrets(id);
    return {
      record,
      card: {
        pan: s.pan,
        expiry: s.expiry,
        cardSecret: fromB64u(s.cardSecret, 'cardSecret'),
        panSecret: fromB64u(s.panSecret, 'panSecret'),
      },
      cardholder: {
        privateKey: fromB64u(s.privateKey, 'privateKey'),
        chain: [certificateOf(record.certificate), ...record.chain.map(certificateOf)],
      },
    };
  }

  private async secrets(id: string): Promise<CardSecrets> {
    const record = await this.db.get('secrets', secretIdOf(id));
    if (!record) return walletError('vaultCorrupted', 'the card has no secrets record');
    return this.vault.openJson<CardSecrets>(record.id, record.sealed);
  }

  private summarise(r: CardRecord, isDefault: boolean, expiry: string | undefined): CardSummary {
    const cert = certificateOf(r.certificate);
    // The CCA is the first CA of the chain verified at registration. A label an older wallet kept
    // from the registering page (r.issuerName) is ignored: a page could name any bank.
    const cca = r.chain[0] ? certificateOf(r.chain[0]) : undefined;
    return {
      id: r.id,
      brand: r.brand,
      last4: r.last4,
      masked: `•••• ${r.last4}`,
      ...(expiry ? { expiry } : {}),
      validFrom: cert.notBefore.toISOString(),
      validTo: cert.notAfter.toISOString(),
      sandbox: this.roots.isSandbox(fromHex(r.rootThumbprint)),
      isDefault,
      renewal: this.renewalOf(r),
      ...(r.registeredAt ? { registeredAt: r.registeredAt.origin } : {}),
      ...(r.renewedAt ? { renewedAt: r.renewedAt } : {}),
      ...(cca?.certificateType === 'cardholder-ca' ? { issuerName: cca.subject.commonName } : {}),
    };
  }
}

/** A certificate the vault kept (base64url DER). */
function certificateOf(kept: string): ParsedCertificate {
  return parseCertificate(fromB64u(kept, 'certificate'));
}
