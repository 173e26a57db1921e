/**
 * The answer given to each registration request, by RRPID (SET-PROFILE §3: the RRPID "exposes
 * duplicates"). A retried request with the same RRPID and the same bytes gets the stored answer,
 * so a network retry of CertReq never yields a second certificate; the same RRPID on different
 * bytes is refused. Recorded in the same transaction as the state change it answers.
 */
import type { Sql } from '../../storage/index.ts';
import type { CaName } from './pending.ts';

/** How long answers are kept for retries: far beyond the 10-minute window a request is accepted in. */
export const RESPONSE_TTL_MS = 24 * 3600_000;

export interface StoredResponse {
  requestHash: Uint8Array;
  response: string;
}

export async function findResponse(sql: Sql, ca: CaName, rrpid: string): Promise<StoredResponse | undefined> {
  const rows = await sql.query<{ request_hash: Uint8Array; response: string }>(
    'SELECT request_hash, response FROM ca_responses WHERE ca = $1 AND rrpid = $2',
    [ca, rrpid],
  );
  const r = rows[0];
  return r ? { requestHash: new Uint8Array(r.request_hash), response: r.response } : undefined;
}

export async function recordResponse(
  sql: Sql,
  r: { ca: CaName; rrpid: string; messageType: string; requestHash: Uint8Array; response: string; at: Date },
): Promise<void> {
  await sql.query(
    `INSERT INTO ca_responses (ca, rrpid, message_type, request_hash, response, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.ca, r.rrpid, r.messageType, r.requestHash, r.response, r.at],
  );
}

export async function pruneResponses(sql: Sql, at: Date): Promise<void> {
  await sql.query('DELETE FROM ca_responses WHERE created_at <= $1', [
    new Date(at.getTime() - RESPONSE_TTL_MS),
  ]);
}
