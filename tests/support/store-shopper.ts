/**
 * A shopper at the demo store over real HTTP, as a browser without the wallet is: a session
 * cookie kept between requests, forms posted with the store's origin, redirects not followed.
 */
export interface StoreAnswer {
  status: number;
  location: string | null;
  text: string;
}

export interface StoreShopper {
  request(path: string, form?: Record<string, string>): Promise<StoreAnswer>;
  cookie(): string;
}

export function storeShopper(origin: string): StoreShopper {
  let cookie = '';
  return {
    async request(path, form) {
      const headers = new Headers({ origin });
      if (cookie) headers.set('cookie', cookie);
      const res = await fetch(`${origin}${path}`, {
        method: form ? 'POST' : 'GET',
        headers,
        redirect: 'manual',
        ...(form ? { body: new URLSearchParams(form) } : {}),
      });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0]!;
      return { status: res.status, location: res.headers.get('location'), text: await res.text() };
    },
    cookie: () => cookie,
  };
}

/**
 * Puts `items` (product id → quantity) in the cart and checks out: the new order's id. The
 * store's forms carry a session-bound token, read from its front page.
 */
export async function placeOrder(shop: StoreShopper, items: Record<string, number>): Promise<string> {
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec((await shop.request('/')).text)?.[1];
  if (!csrf) throw new Error('the store page carries no form token');
  for (const [productId, quantity] of Object.entries(items)) {
    const added = await shop.request('/cart', { productId, quantity: String(quantity), csrf });
    if (added.status !== 303) throw new Error(`the cart refused ${productId} (${added.status})`);
  }
  const placed = await shop.request('/checkout', { csrf });
  if (!placed.location?.startsWith('/orders/')) throw new Error(`checkout answered ${placed.status}`);
  return placed.location.slice('/orders/'.length);
}
