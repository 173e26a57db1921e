/**
 * Registrations in progress (SET Book 2: what a CA keeps, under its LID-CA, between its
 * CardCInitRes / RegFormRes / Me-AqCInitRes and the requester's CertReq). A cardholder
 * registration is at stage 'init' after CardCInitRes and 'form' after RegFormRes; a merchant or
 * gateway registration starts at 'form'. Rows older than PENDING_TTL_MS are treated as absent.
 */
import * as v from 'valibot';
import { RegForm, type RequestType } from '../../protocol/index.ts';
import type { Sql } from '../../storage/index.ts';

export const PENDING_TTL_MS = 30 * 60_000;

export type CaName = 'cca' | 'mca' | 'pca';

export interface Pending {
  lidCA: string;
  ca: CaName;
  lidEE: string;
  requestType: RequestType;
  stage: 'init' | 'form';
  challCA?: string;
  regForm?: RegForm;
  panDigest?: Uint8Array;
  /** RegFormReq asked for the renewal form: the CertReq must renew a certificate. */
  renewal?: boolean;
  createdAt: Date;
}

interface PendingRow extends Record<string, unknown> {
  lid_ca: string;
  ca: CaName;
  lid_ee: string;
  request_type: RequestType;
  stage: 'init' | 'form';
  chall_ca: string | null;
  reg_form: string | null;
  pan_digest: Uint8Array | null;
  renewal: boolean;
  created_at: Date;
}

const COLUMNS =
  'lid_ca, ca, lid_ee, request_type, stage, chall_ca, reg_form, pan_digest, created_at, renewal';

function fromRow(r: PendingRow): Pending {
  const p: Pending = {
    lidCA: r.lid_ca,
    ca: r.ca,
    lidEE: r.lid_ee,
    requestType: r.request_type,
    stage: r.stage,
    createdAt: new Date(r.created_at),
  };
  if (r.chall_ca !== null) p.challCA = r.chall_ca;
  // Written by this site from a schema-checked form; parsed again so a corrupted row fails loudly.
  if (r.reg_form !== null) p.regForm = v.parse(RegForm, JSON.parse(r.reg_form));
  if (r.pan_digest !== null) p.panDigest = new Uint8Array(r.pan_digest);
  if (r.renewal) p.renewal = true;
  return p;
}

const cutoff = (at: Date) => new Date(at.getTime() - PENDING_TTL_MS);

/** The live registration under `lidCA` at CA `ca`; `lock` takes a row lock for the transaction. */
export async function findPending(
  sql: Sql,
  ca: CaName,
  lidCA: string,
  at: Date,
  lock = false,
): Promise<Pending | undefined> {
  const rows = await sql.query<PendingRow>(
    `SELECT ${COLUMNS} FROM ca_pending_registrations
     WHERE lid_ca = $1 AND ca = $2 AND created_at > $3${lock ? ' FOR UPDATE' : ''}`,
    [lidCA, ca, cutoff(at)],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function insertPending(sql: Sql, p: Pending): Promise<void> {
  await sql.query(
    `INSERT INTO ca_pending_registrations (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      p.lidCA,
      p.ca,
      p.lidEE,
      p.requestType,
      p.stage,
      p.challCA ?? null,
      p.regForm ? JSON.stringify(p.regForm) : null,
      p.panDigest ?? null,
      p.createdAt,
      p.renewal ?? false,
    ],
  );
}

/** Moves a cardholder registration from 'init' to 'form'; false when it is no longer at 'init'. */
export async function advanceToForm(
  sql: Sql,
  lidCA: string,
  form: { challCA: string; regForm: RegForm; panDigest: Uint8Array; renewal: boolean },
  at: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE ca_pending_registrations SET stage = 'form', chall_ca = $2, reg_form = $3, pan_digest = $4, renewal = $6
     WHERE lid_ca = $1 AND ca = 'cca' AND stage = 'init' AND created_at > $5 RETURNING lid_ca`,
    [lidCA, form.challCA, JSON.stringify(form.regForm), form.panDigest, cutoff(at), form.renewal],
  );
  return rows.length === 1;
}

export async function deletePending(sql: Sql, lidCA: string): Promise<void> {
  await sql.query('DELETE FROM ca_pending_registrations WHERE lid_ca = $1', [lidCA]);
}

/** Forgets registrations past their time; run now and then. */
export async function pruneExpiredPending(sql: Sql, at: Date): Promise<void> {
  await sql.query('DELETE FROM ca_pending_registrations WHERE created_at <= $1', [cutoff(at)]);
}
