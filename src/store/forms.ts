/** The store's form inputs, parsed against schemas with size limits before use. */
import * as v from 'valibot';
import { MAX_QUANTITY } from './carts.ts';

const Quantity = (min: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,2}$/, 'must be a whole number'),
    v.transform(Number),
    v.minValue(min),
    v.maxValue(MAX_QUANTITY),
  );
const ProductId = v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,32}$/));

export const AddToCartForm = v.object({ productId: ProductId, quantity: Quantity(1) });
export const UpdateCartForm = v.object({ productId: ProductId, quantity: Quantity(0) });
export const AmountForm = v.object({ amount: v.pipe(v.string(), v.maxLength(32)) });

/** Parsed form, or undefined when it does not fit the schema. */
export function parseForm<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> | undefined {
  const r = v.safeParse(schema, body);
  return r.success ? r.output : undefined;
}
