/** What the demo store sells: prices are SET amounts (EUR, integer cents, exponent 2). */
import type { Amount } from '../merchant/index.ts';
import type { StoreKey, StoreText } from './text/index.ts';

export interface Product {
  id: string;
  /** The English name, kept in order records; pages show `productName` in the reader's language. */
  name: string;
  /** The name and blurb in the store's catalogues (src/store/text). */
  nameKey: StoreKey;
  blurbKey: StoreKey;
  price: Amount;
  /** Hue of the product's plain coloured tile. */
  hue: number;
  /**
   * A subscription (SET-PROFILE §6 recurring payments): the price again every `frequencyDays`
   * days for `months` months, charged by the back office on the cardholder's one signature.
   */
  subscription?: { frequencyDays: number; months: number };
  /** Pre-order: ships, and is authorized and captured, after the rest of the order (split shipment). */
  shipsLater?: true;
}

const eur = (cents: number): Amount => ({ currency: 'EUR', value: cents, exponent: 2 });

export const CATALOGUE: readonly Product[] = [
  {
    id: 'mug',
    nameKey: 'productMugName',
    blurbKey: 'productMugBlurb',
    name: 'SET/2 mug',
    price: eur(1299),
    hue: 210,
  },
  {
    id: 'tee',
    nameKey: 'productTeeName',
    blurbKey: 'productTeeBlurb',
    name: 'Dual signature T-shirt',
    price: eur(1950),
    hue: 340,
  },
  {
    id: 'notebook',
    nameKey: 'productNotebookName',
    blurbKey: 'productNotebookBlurb',
    name: 'Protocol notebook',
    price: eur(725),
    hue: 40,
  },
  {
    id: 'stickers',
    nameKey: 'productStickersName',
    blurbKey: 'productStickersBlurb',
    name: 'Sticker pack',
    price: eur(300),
    hue: 130,
  },
  {
    id: 'hoodie',
    nameKey: 'productHoodieName',
    blurbKey: 'productHoodieBlurb',
    name: 'Gateway hoodie',
    price: eur(4500),
    hue: 270,
  },
  {
    id: 'poster',
    nameKey: 'productPosterName',
    blurbKey: 'productPosterBlurb',
    name: 'Book 2 poster',
    price: eur(1500),
    hue: 0,
  },
  {
    id: 'annotated',
    nameKey: 'productAnnotatedName',
    blurbKey: 'productAnnotatedBlurb',
    name: 'SET Book 2, annotated (pre-order)',
    price: eur(2400),
    hue: 180,
    shipsLater: true,
  },
  {
    id: 'coffee-club',
    nameKey: 'productCoffeeClubName',
    blurbKey: 'productCoffeeClubBlurb',
    name: 'Coffee Club subscription',
    price: eur(999),
    hue: 25,
    subscription: { frequencyDays: 30, months: 12 },
  },
];

export function productById(id: string): Product | undefined {
  return CATALOGUE.find((p) => p.id === id);
}

/** A product's name in the reader's language; for a product no longer sold, the name recorded. */
export function productName(tx: StoreText, productId: string, recorded: string): string {
  const product = productById(productId);
  return product ? tx.text(product.nameKey) : recorded;
}
