/**
 * Who is asking: a shopper and, maybe, the merchant.
 *
 * - The shopper session is a random id in an HttpOnly, SameSite=Lax cookie, given on the first
 *   page. It names the server-side cart and owns the orders placed with it: a shopper sees only
 *   those. Its form token is a MAC of the id, so a page of another origin can neither read nor
 *   make it (a synchronizer token without server state).
 * - The merchant signs in to the back office with the operator token the sandbox prints
 *   (src/web/operator-gate.ts, as the issuer site does) and gets a SameSite=Strict session cookie
 *   whose own form token the capture, refund and reverse forms carry.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { equalStrings, macHex, OperatorGate } from '../web/index.ts';

export const SHOPPER_COOKIE = 'store_session';
export const MERCHANT_COOKIE = 'store_merchant';
const SHOPPER_ID = /^[A-Za-z0-9_-]{24}$/;
const SHOPPER_SESSION_SECONDS = 30 * 86400;

export interface Visitor {
  /** The shopper session id (the cart's id and the owner of orders). */
  shopper?: string;
  /** The merchant's session cookie, when signed in. */
  merchant?: string;
}

export class StoreSessions {
  readonly gate: OperatorGate;
  private readonly shopperKey: Uint8Array;

  constructor(
    merchantToken: string,
    private readonly secure: boolean,
    private readonly now: () => Date,
  ) {
    this.gate = new OperatorGate(merchantToken, 'SET/2 demo store');
    this.shopperKey = this.gate.derive('shopper form');
  }

  visitor(c: Context): Visitor {
    const shopper = getCookie(c, SHOPPER_COOKIE);
    const merchant = getCookie(c, MERCHANT_COOKIE);
    return {
      ...(shopper && SHOPPER_ID.test(shopper) ? { shopper } : {}),
      ...(merchant && this.gate.sessionMatches(merchant, this.now()) ? { merchant } : {}),
    };
  }

  /** Gives a shopper session to a browser that has none (pages call this before rendering forms). */
  startShopper(c: Context): string {
    const id = randomBytes(18).toString('base64url');
    setCookie(c, SHOPPER_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: this.secure,
      maxAge: SHOPPER_SESSION_SECONDS,
    });
    return id;
  }

  shopperToken(shopper: string): string {
    return macHex(this.shopperKey, shopper);
  }

  shopperTokenMatches(shopper: string | undefined, field: string | undefined): boolean {
    return shopper !== undefined && field !== undefined && equalStrings(field, this.shopperToken(shopper));
  }

  merchantToken(merchant: string): string {
    return this.gate.formToken(merchant);
  }

  merchantTokenMatches(merchant: string | undefined, field: string | undefined): boolean {
    return merchant !== undefined && this.gate.formTokenMatches(merchant, field);
  }

  signIn(): Response {
    return this.gate.signIn({
      cookie: MERCHANT_COOKIE,
      location: '/back-office',
      now: this.now(),
      secure: this.secure,
    });
  }

  signOut(c: Context): void {
    setCookie(c, MERCHANT_COOKIE, '', {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: this.secure,
      maxAge: 0,
    });
  }
}
