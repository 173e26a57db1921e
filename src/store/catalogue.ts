/** What the demo store sells: prices are SET amounts (EUR, integer cents, exponent 2). */
import type { Amount } from '../merchant/index.ts';

export interface Product {
  id: string;
  name: string;
  blurb: string;
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
    name: 'SET/2 mug',
    blurb: 'Stoneware, 330 ml, dual-signed glaze.',
    price: eur(1299),
    hue: 210,
  },
  {
    id: 'tee',
    name: 'Dual signature T-shirt',
    blurb: 'Organic cotton, PI-TBS printed on the back.',
    price: eur(1950),
    hue: 340,
  },
  {
    id: 'notebook',
    name: 'Protocol notebook',
    blurb: 'A5, dotted, 120 pages for message diagrams.',
    price: eur(725),
    hue: 40,
  },
  {
    id: 'stickers',
    name: 'Sticker pack',
    blurb: 'Six vinyl stickers: XID, HOD, Chall-M and friends.',
    price: eur(300),
    hue: 130,
  },
  {
    id: 'hoodie',
    name: 'Gateway hoodie',
    blurb: 'Warm enough for a cold start.',
    price: eur(4500),
    hue: 270,
  },
  { id: 'poster', name: 'Book 2 poster', blurb: 'The purchase flow, A2, matte.', price: eur(1500), hue: 0 },
  {
    id: 'annotated',
    name: 'SET Book 2, annotated (pre-order)',
    blurb: 'Ships when printed: paid for when it ships, on the same signature.',
    price: eur(2400),
    hue: 180,
    shipsLater: true,
  },
  {
    id: 'coffee-club',
    name: 'Coffee Club subscription',
    blurb: 'A bag of beans every 30 days for a year: €9.99 each, one signature.',
    price: eur(999),
    hue: 25,
    subscription: { frequencyDays: 30, months: 12 },
  },
];

export function productById(id: string): Product | undefined {
  return CATALOGUE.find((p) => p.id === id);
}
