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
}

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
      ...(cca?.certificateType === 'cardholder-ca' ? { issuerName: cca.subject.commonName } : {}),
    };
  }
}

/** A certificate the vault kept (base64url DER). */
function certificateOf(kept: string): ParsedCertificate {
  return parseCertificate(fromB64u(kept, 'certificate'));
}
