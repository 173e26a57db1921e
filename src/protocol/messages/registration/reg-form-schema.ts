/**
 * The registration form (SET Book 2 "Registration form", RegFormRes and CertReq's RegFormAnswers):
 * the fields the issuer asks the requester to fill in and the policy text it must accept. SET 1.0
 * let the issuer send any form; SET/2 fixes a small typed vocabulary so the wallet can render it
 * without running issuer code. Shared by RegFormRes, Me-AqCInitRes and CertReq.
 */
import * as v from 'valibot';
import { Text } from '../fields.ts';

export const MAX_REG_FORM_FIELDS = 20;
export const MAX_FIELD_LABEL = 80;
export const MAX_ANSWER_LENGTH = 256;
export const MAX_POLICY_BYTES = 16 * 1024;
export const MAX_REFERRAL_LENGTH = 1024;

export const FieldName = v.pipe(
  v.string(),
  v.regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/, 'must be a letter then up to 31 letters, digits or underscores'),
);

export const FIELD_KINDS = ['text', 'email', 'tel', 'postalCode', 'date'] as const;

export const RegFormField = v.strictObject({
  name: FieldName,
  label: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_FIELD_LABEL)),
  kind: v.picklist(FIELD_KINDS),
  required: v.boolean(),
  maxLength: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_ANSWER_LENGTH)),
});
export type RegFormField = v.InferOutput<typeof RegFormField>;

export const RegForm = v.strictObject({
  fields: v.pipe(
    v.array(RegFormField),
    v.maxLength(MAX_REG_FORM_FIELDS),
    v.check(
      (fields) => new Set(fields.map((f) => f.name)).size === fields.length,
      'field names must be unique',
    ),
  ),
  /** The issuer's policy text the requester accepts by sending CertReq. */
  policy: v.pipe(v.string(), v.maxBytes(MAX_POLICY_BYTES)),
});
export type RegForm = v.InferOutput<typeof RegForm>;

/** CertReq's RegFormAnswers: field name → the requester's answer. */
export const RegFormAnswers = v.pipe(
  v.record(FieldName, Text(MAX_ANSWER_LENGTH)),
  v.check(
    (answers) => Object.keys(answers).length <= MAX_REG_FORM_FIELDS,
    `at most ${MAX_REG_FORM_FIELDS} answers`,
  ),
);
export type RegFormAnswers = v.InferOutput<typeof RegFormAnswers>;

export const Referral = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_REFERRAL_LENGTH));

const KIND_PATTERN: Record<RegFormField['kind'], RegExp> = {
  text: /^[^\p{Cc}]*$/u,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  tel: /^\+?[0-9][0-9 ()-]{2,31}$/,
  postalCode: /^[A-Za-z0-9][A-Za-z0-9 -]{0,11}$/,
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
};

/**
 * Why `answers` do not fill in `form`, or undefined when they do. A CA turns a problem into a
 * rejected CertRes (a business result, not an Error).
 */
export function regFormAnswersProblem(form: RegForm, answers: RegFormAnswers): string | undefined {
  const byName = new Map(form.fields.map((f) => [f.name, f]));
  for (const name of Object.keys(answers)) {
    if (!byName.has(name)) return `the form has no field "${name}"`;
  }
  for (const field of form.fields) {
    const answer = answers[field.name];
    if (answer === undefined || answer === '') {
      if (field.required) return `"${field.label}" is required`;
      continue;
    }
    if (answer.length > field.maxLength)
      return `"${field.label}" is longer than ${field.maxLength} characters`;
    if (!KIND_PATTERN[field.kind].test(answer)) return `"${field.label}" is not a valid ${field.kind}`;
  }
  return undefined;
}
