/** Card numbers (ISO/IEC 7812-1). */

/** The Luhn check digit (ISO/IEC 7812-1 Annex B), which every payment card number satisfies. */
export function isLuhnValid(pan: string): boolean {
  if (!/^\d{12,19}$/.test(pan)) return false;
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = pan.charCodeAt(pan.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A sandbox test card: a number with a fixed outcome, as card networks' test modes have. The
 * issuer site lists them and the gateway's issuer simulator acts on them, so both share this shape.
 */
export const TEST_CARD_BEHAVIOURS = [
  'approve',
  'doNotHonour',
  'insufficientFunds',
  'expiredCard',
  'stolenCard',
  'issuerUnavailable',
] as const;
export type TestCardBehaviour = (typeof TEST_CARD_BEHAVIOURS)[number];

export interface TestCard {
  pan: string;
  behaviour: TestCardBehaviour;
  /** What the card is for, as the issuer's test-cards page shows it. */
  label: string;
}
