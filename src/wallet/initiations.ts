/**
 * The initiations content scripts found, per tab (SET-PROFILE §5): kept in storage.session with the
 * tab's origin as the browser reported it, so the popup can offer "Pay at <origin>" and the
 * registration page can start from the issuer's tab, also after a service-worker restart. An
 * initiation is parsed (size, schema, same-origin endpoint) before it is kept.
 */
import {
  type Amount,
  parsePaymentInitiation,
  parseRegistrationInitiation,
  SetError,
} from '../protocol/core.ts';
import { toWalletError } from './errors.ts';
import { sessionGet, type WalletPlatform } from './platform.ts';

const PREFIX = 'wallet.initiation.';

export type InitiationKind = 'payment' | 'registration';

export interface FoundInitiation {
  kind: InitiationKind;
  tabId: number;
  /** From the browser's sender, never from the page. */
  origin: string;
  /** The JSON text, as read from the page. */
  text: string;
  endpointUrl: string;
}

/** For the badge and the popup: what the page declares (display hints, not yet verified). */
export interface InitiationSummary {
  kind: InitiationKind;
  origin: string;
  endpointUrl: string;
  brands: string[];
  amount?: Amount;
  issuerName?: string;
}

export class Initiations {
  constructor(private readonly platform: WalletPlatform) {}

  /** Parses and keeps what a tab's content script found; `protocol` (decodingFailure …) when it is not valid. */
  async found(p: {
    tabId: number;
    origin: string;
    kind: InitiationKind;
    text: string;
  }): Promise<InitiationSummary> {
    let summary: InitiationSummary;
    try {
      if (p.kind === 'payment') {
        const i = parsePaymentInitiation(p.text, p.origin);
        summary = {
          kind: 'payment',
          origin: p.origin,
          endpointUrl: i.endpointUrl,
          brands: i.brands,
          amount: i.amount,
        };
      } else {
        const i = parseRegistrationInitiation(p.text, p.origin);
        summary = {
          kind: 'registration',
          origin: p.origin,
          endpointUrl: i.endpointUrl,
          brands: [i.brand],
          ...(i.issuerName ? { issuerName: i.issuerName } : {}),
        };
      }
    } catch (e) {
      throw e instanceof SetError ? toWalletError(e) : e;
    }
    const kept: FoundInitiation = { ...p, endpointUrl: summary.endpointUrl };
    await this.platform.session.set({ [key(p.tabId, p.kind)]: kept });
    return summary;
  }

  async get(tabId: number, kind: InitiationKind): Promise<FoundInitiation | undefined> {
    return sessionGet<FoundInitiation>(this.platform.session, key(tabId, kind));
  }

  /** The tab navigated or closed. */
  async forget(tabId: number): Promise<void> {
    await this.platform.session.remove([key(tabId, 'payment'), key(tabId, 'registration')]);
  }
}

const key = (tabId: number, kind: InitiationKind) => `${PREFIX}${kind}.${tabId}`;
