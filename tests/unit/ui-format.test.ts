// Amounts (minor units, ISO 4217, exponent) formatted exactly with Intl.NumberFormat; expiries.
import { describe, expect, it } from 'vitest';
import { amountDecimal, formatAmount } from '../../src/protocol/amount.ts';
import { formatExpiry } from '../../src/ui/format.ts';

describe('amounts', () => {
  it('writes the exact decimal of minor units', () => {
    expect(amountDecimal({ currency: 'EUR', value: 1299, exponent: 2 })).toBe('12.99');
    expect(amountDecimal({ currency: 'EUR', value: 5, exponent: 2 })).toBe('0.05');
    expect(amountDecimal({ currency: 'JPY', value: 1500, exponent: 0 })).toBe('1500');
    expect(amountDecimal({ currency: 'BHD', value: 1, exponent: 3 })).toBe('0.001');
    expect(amountDecimal({ currency: 'USD', value: 999_999_999_999_999, exponent: 2 })).toBe(
      '9999999999999.99',
    );
  });

  it('formats with the currency and its exponent', () => {
    expect(formatAmount({ currency: 'EUR', value: 1299, exponent: 2 }, 'en-US')).toBe('€12.99');
    expect(formatAmount({ currency: 'EUR', value: 1299, exponent: 2 }, 'de-DE')).toBe('12,99\u00a0€');
    expect(formatAmount({ currency: 'JPY', value: 1500, exponent: 0 }, 'en-US')).toBe('¥1,500');
    expect(formatAmount({ currency: 'USD', value: 999_999_999_999_999, exponent: 2 }, 'en-US')).toBe(
      '$9,999,999,999,999.99',
    );
  });
});

describe('expiry', () => {
  it('shows YYYYMM as month and year', () => {
    expect(formatExpiry('202912', 'en-US')).toBe('12/2029');
    expect(formatExpiry('nonsense', 'en-US')).toBe('nonsense');
  });
});
