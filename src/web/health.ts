/**
 * `GET /healthz` for every party: 200 while its database answers, 503 with Retry-After while it
 * does not (the same answer a request gets that the outage failed), so a load balancer or a
 * merchant's monitor sees the outage and when to look again.
 */

/** What the health check needs of a database: one query, and which kind it is. */
export interface HealthProbe {
  kind: string;
  query(sql: string): Promise<unknown>;
}

const RETRY_AFTER_SECONDS = 2;

export async function healthResponse(db: HealthProbe): Promise<Response> {
  const headers = { 'cache-control': 'no-store' };
  try {
    await db.query('SELECT 1');
    return Response.json({ ok: true, database: db.kind }, { headers });
  } catch {
    return Response.json(
      { ok: false, database: db.kind },
      { status: 503, headers: { ...headers, 'retry-after': String(RETRY_AFTER_SECONDS) } },
    );
  }
}
