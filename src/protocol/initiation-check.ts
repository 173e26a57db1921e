/**
 * The initiation rules of initiation.ts (SET-PROFILE §5) as a few hand-written checks, for the
 * wallet's content script: it runs on every https page the shopper opens, so it carries no schema
 * library (issue 11's 10 KB budget). It only decides which element of a page is a valid initiation;
 * the background parses the text again with initiation.ts's valibot schemas and the browser's
 * origin. tests/unit/initiation-check.test.ts holds the two to the same answers on generated input.
 * Nearly a leaf (amount.ts's bound only), and initiation.ts takes its constants from here.
 */
import { MAX_AMOUNT_VALUE } from './amount.ts';

export const PAYMENT_INITIATION_TYPE = 'application/set-payment-initiation+json';
export const REGISTRATION_INITIATION_TYPE = 'application/set-registration-initiation+json';
export const MAX_INITIATION_BYTES = 4096;

type Json = Record<string, unknown>;

/**
 * valibot's strictObject, by hand: an object (arrays too, as valibot sees them) whose enumerable
 * keys are all in `allowed`, and which has every key of `required`. The content script's message
 * parsers use it too.
 */
export function isStrictObject(
  x: unknown,
  allowed: readonly string[],
  required: readonly string[] = [],
): x is Json {
  if (typeof x !== 'object' || x === null) return false;
  for (const k in x) if (!allowed.includes(k)) return false;
  return required.every((k) => k in x);
}

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null;
const isString = (x: unknown): x is string => typeof x === 'string';
/** A string of at most `max` UTF-16 code units (valibot's maxLength). */
export const isTextUpTo = (x: unknown, max: number): x is string => isString(x) && x.length <= max;
const text = isTextUpTo;
const brandId = (x: unknown): boolean => isString(x) && /^[A-Za-z0-9]{1,32}$/.test(x);
const label = (x: unknown): boolean =>
  isString(x) && x.length >= 1 && x.length <= 64 && /^[\x20-\x7e]*$/.test(x);
const endpoint = (x: unknown): boolean => isString(x) && x.length >= 1 && x.length <= 512;
const integerIn = (x: unknown, min: number, max: number): boolean =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

const AMOUNT_KEYS = ['currency', 'value', 'exponent'];
const PAYMENT_KEYS = ['set', 'kind', 'brands', 'amount', 'lidM', 'endpoint'];
const REGISTRATION_KEYS = ['set', 'kind', 'brand', 'endpoint'];

/** SET PurchAmt (messages/fields.ts Amount). */
function amount(x: unknown): boolean {
  return (
    isStrictObject(x, AMOUNT_KEYS, AMOUNT_KEYS) &&
    isString(x.currency) &&
    /^[A-Z]{3}$/.test(x.currency) &&
    Number.isSafeInteger(x.value) &&
    integerIn(x.value, 0, MAX_AMOUNT_VALUE) &&
    integerIn(x.exponent, 0, 4)
  );
}

/** "SET/2" exactly as messages/wire.ts checkVersion reads it: SET/ and up to three digits, valued 2. */
const version = (x: unknown): boolean => isString(x) && /^SET\/0{0,2}2$/.test(x);

function payment(o: Json): boolean {
  return (
    isStrictObject(o, [...PAYMENT_KEYS, 'description'], PAYMENT_KEYS) &&
    o.kind === 'payment' &&
    Array.isArray(o.brands) &&
    o.brands.length >= 1 &&
    o.brands.length <= 8 &&
    o.brands.every(brandId) &&
    amount(o.amount) &&
    label(o.lidM) &&
    endpoint(o.endpoint) &&
    (o.description === undefined || text(o.description, 200))
  );
}

function registration(o: Json): boolean {
  return (
    isStrictObject(o, [...REGISTRATION_KEYS, 'issuerName'], REGISTRATION_KEYS) &&
    o.kind === 'registration' &&
    brandId(o.brand) &&
    endpoint(o.endpoint) &&
    (o.issuerName === undefined || text(o.issuerName, 100))
  );
}

/** The endpoint resolved against the page's origin, or undefined when it leaves that origin. */
function resolveEndpoint(path: string, pageOrigin: string): string | undefined {
  try {
    const url = new URL(path, pageOrigin);
    return url.origin === pageOrigin ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The endpoint URL of the initiation `json` declares, when it is a valid initiation of `kind` for a
 * page on `pageOrigin` (exactly when initiation.ts's parse function accepts it); undefined otherwise.
 */
export function checkInitiation(
  kind: 'payment' | 'registration',
  json: string,
  pageOrigin: string,
): string | undefined {
  if (new TextEncoder().encode(json).length > MAX_INITIATION_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !version(value.set)) return undefined;
  if (!(kind === 'payment' ? payment(value) : registration(value))) return undefined;
  return resolveEndpoint(value.endpoint as string, pageOrigin);
}
