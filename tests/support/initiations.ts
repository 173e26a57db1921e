/** The initiations a shop's or an issuer's page carries (SET-PROFILE §3), as the tests use them. */

/** A payment initiation as a shop's page carries it (SET-PROFILE §3): 12.99 EUR for order-42. */
export function paymentInitiation(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    set: 'SET/2',
    kind: 'payment',
    brands: ['SETPay'],
    amount: { currency: 'EUR', value: 1299, exponent: 2 },
    lidM: 'order-42',
    endpoint: '/set',
    ...extra,
  });
}

/** The text of the first `<script type="…">` of `type` in a page (how a page declares an initiation). */
export function scriptOf(page: string, type: string): string | undefined {
  return new RegExp(`<script type="${type.replace('+', '\\+')}">(.*?)</script>`).exec(page)?.[1];
}
