/**
 * Trusted roots: the built-in list (empty by default; a build-time constant) and the SANDBOX roots
 * a user adds by hand. Adding one takes two steps, so that the user sees and confirms its SHA-256
 * fingerprint: propose(pem) → {fingerprint, subject}, then confirm(fingerprint). Everything that
 * chains to a user-added root is a sandbox thing and is flagged `sandbox: true` wherever shown.
 */
import {
  b64u,
  fingerprintText,
  fromB64u,
  hex,
  type ParsedCertificate,
  parseCertificate,
  pemToDers,
  SetError,
  TrustCache,
  type TrustStore,
  type VerifyEvent,
  verifyNative,
} from '../protocol/core.ts';
import { walletError } from './errors.ts';
import { MAX_ROOT_PEM_BYTES } from './limits.ts';
import { sessionGet, type WalletPlatform } from './platform.ts';
import type { RootRecord, WalletDb } from './vault/db.ts';
import type { Vault } from './vault/vault.ts';

export { MAX_ROOT_PEM_BYTES };

const PROPOSAL_KEY = 'wallet.roots.proposal';

export interface RootSummary {
  /** SHA-256 of the DER, colon-separated uppercase hex (as `openssl x509 -fingerprint -sha256`). */
  fingerprint: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  builtIn: boolean;
  sandbox: boolean;
}
export type RootProposal = Omit<RootSummary, 'builtIn' | 'sandbox'>;

/** `AB:CD:…` from bytes. */
/** Accepts `AB:CD:…` or plain hex, any case; returns plain lowercase hex. */
export function normaliseFingerprint(text: string): string {
  return text.replace(/[:\s]/g, '').toLowerCase();
}

function summary(cert: ParsedCertificate, builtIn: boolean): RootSummary {
  return {
    fingerprint: fingerprintText(cert.thumbprint),
    subject: cert.subjectDn,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    builtIn,
    sandbox: !builtIn,
  };
}

export class TrustedRoots {
  private readonly builtIn: ParsedCertificate[];
  private userRoots: ParsedCertificate[] | undefined;
  /**
   * The service worker's long-lived trust (issue 11): the roots parsed once, each chain validated
   * once and then only re-checked for dates and revocation, each CA link and CRL signature verified
   * once. Built on first use; a root added, removed or restored makes a new one.
   */
  private cache: TrustCache | undefined;

  constructor(
    private readonly db: WalletDb,
    private readonly platform: WalletPlatform,
    private readonly vault: Vault,
    /** PEM text of the built-in roots, fixed at build time. */
    builtInPem: readonly string[] = [],
    /** Hears every verification that checks a signature (tests count them). */
    private readonly observe?: (event: VerifyEvent) => void,
  ) {
    this.builtIn = builtInPem.flatMap((pem) => pemToDers(pem).map((der) => parseCertificate(der)));
  }

  async list(): Promise<RootSummary[]> {
    return [
      ...this.builtIn.map((c) => summary(c, true)),
      ...(await this.user()).map((c) => summary(c, this.isBuiltIn(c.thumbprint))),
    ];
  }

  /** Step one: parses a root certificate and shows what the user is asked to trust. Nothing is trusted yet. */
  async propose(pem: string): Promise<RootProposal> {
    if (typeof pem !== 'string' || pem.length > MAX_ROOT_PEM_BYTES) {
      walletError('invalidRoot', 'that is not a root certificate in PEM form', { problem: 'size' });
    }
    let cert: ParsedCertificate;
    try {
      const ders = pemToDers(pem);
      if (ders.length !== 1)
        walletError('invalidRoot', 'paste exactly one certificate', { problem: 'count' });
      cert = parseCertificate(ders[0]!);
    } catch (e) {
      if (e instanceof SetError) walletError('invalidRoot', e.message, { problem: 'decoding' });
      throw e;
    }
    const now = this.platform.now();
    if (cert.certificateType !== 'root' || !cert.isCA) {
      walletError('invalidRoot', 'this is not a SET root CA certificate', { problem: 'type' });
    }
    if (!(await verifyNative(cert.signature, cert.tbs, cert.publicKey))) {
      walletError('invalidRoot', 'the root certificate is not self-signed', { problem: 'signature' });
    }
    if (now < cert.notBefore || now > cert.notAfter) {
      walletError('invalidRoot', 'the root certificate is not valid now', { problem: 'validity' });
    }
    await this.platform.session.set({ [PROPOSAL_KEY]: b64u(cert.der) });
    const { builtIn: _b, sandbox: _s, ...proposal } = summary(cert, false);
    return proposal;
  }

  /** Step two: trusts the proposed root whose fingerprint the user confirmed, as a sandbox root. */
  async confirm(fingerprint: string): Promise<RootSummary> {
    await this.vault.key();
    const der = await sessionGet<string>(this.platform.session, PROPOSAL_KEY);
    const cert = der ? parseCertificate(fromB64u(der, 'proposed root')) : undefined;
    if (!cert || hex(cert.thumbprint) !== normaliseFingerprint(fingerprint)) {
      return walletError('unknownRoot', 'no root with this fingerprint was proposed');
    }
    await this.db.put('roots', {
      fingerprint: hex(cert.thumbprint),
      der: b64u(cert.der),
      subject: cert.subjectDn,
      addedAt: this.platform.now().toISOString(),
    } satisfies RootRecord);
    await this.platform.session.remove(PROPOSAL_KEY);
    this.invalidate();
    return summary(cert, this.isBuiltIn(cert.thumbprint));
  }

  /** Removes a user-added root. Built-in roots cannot be removed. */
  async remove(fingerprint: string): Promise<void> {
    const id = normaliseFingerprint(fingerprint);
    if (!(await this.db.get('roots', id)))
      walletError('unknownRoot', 'no user-added root has this fingerprint');
    await this.db.delete('roots', id);
    this.invalidate();
  }

  /**
   * A TrustStore for one exchange (its own pool for what the message carries) over the long-lived
   * cache of every trusted root.
   */
  async trustStore(): Promise<TrustStore> {
    const roots = [...this.builtIn, ...(await this.user())];
    this.cache ??= new TrustCache(roots, this.observe ? { observe: this.observe } : {});
    return this.cache.forRequest();
  }

  /** Sandbox = chains to anything but a built-in root. */
  isSandbox(rootThumbprint: Uint8Array): boolean {
    return !this.isBuiltIn(rootThumbprint);
  }

  private isBuiltIn(thumbprint: Uint8Array): boolean {
    const h = hex(thumbprint);
    return this.builtIn.some((c) => hex(c.thumbprint) === h);
  }

  private async user(): Promise<ParsedCertificate[]> {
    this.userRoots ??= (await this.db.getAll('roots')).map((r) => parseCertificate(fromB64u(r.der, 'root')));
    return this.userRoots;
  }

  /** Backup and restore: the user-added roots as stored. */
  async records(): Promise<RootRecord[]> {
    return this.db.getAll('roots');
  }

  /** The roots changed (added, removed, a backup restored): what was validated under the old set goes. */
  invalidate(): void {
    this.userRoots = undefined;
    this.cache = undefined;
  }
}
