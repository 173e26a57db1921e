/**
 * The store's form inputs: every POST is read by `readStoreForm` (src/web/forms.ts: size limit,
 * either encoding, a refusal with a sentence for anything malformed) and then parsed against its
 * schema here. Every form carries `csrf`, the form token of the session that may send it.
 */
import * as v from 'valibot';
import { type FormRead, readForm } from '../web/index.ts';
import { MAX_QUANTITY } from './carts.ts';

/** No store form comes near this; a larger body is refused before it is parsed. */
const MAX_FORM_BYTES = 4 * 1024;

const Quantity = (min: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,2}$/, 'must be a whole number'),
    v.transform(Number),
    v.minValue(min),
    v.maxValue(MAX_QUANTITY),
  );
const ProductId = v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,32}$/));
const FormToken = v.pipe(v.string(), v.maxLength(128));

export const AddToCartForm = v.object({ productId: ProductId, quantity: Quantity(1), csrf: FormToken });
export const UpdateCartForm = v.object({ productId: ProductId, quantity: Quantity(0), csrf: FormToken });
export const AmountForm = v.object({ amount: v.pipe(v.string(), v.maxLength(32)), csrf: FormToken });
/** Checkout, reverse, sign out: nothing but the form token. */
export const TokenForm = v.object({ csrf: FormToken });
/** The Settlement page's close form: a BatchID as the gateway gave it. */
export const CloseBatchForm = v.object({
  csrf: FormToken,
  batch: v.pipe(v.string(), v.regex(/^[1-9]\d{0,14}$/)),
});

export type StoreForm<S extends v.GenericSchema> =
  /** A readable form: its token as sent, and its fields when they fit the schema. */
  | { ok: true; csrf: string | undefined; form: v.InferOutput<S> | undefined }
  /** The body could not be read as a form (400, 413): refused before any schema. */
  | Extract<FormRead, { ok: false }>;

export async function readStoreForm<S extends v.GenericSchema>(
  req: Request,
  schema: S,
): Promise<StoreForm<S>> {
  const read = await readForm(req, { maxBytes: MAX_FORM_BYTES, maxFields: 8, maxFieldLength: 256 });
  if (!read.ok) return read;
  const parsed = v.safeParse(schema, read.fields);
  return { ok: true, csrf: read.fields.csrf, form: parsed.success ? parsed.output : undefined };
}
