/**
 * What `setwallet demo --keep DIR` leaves in DIR, so that anyone can check the run afterwards
 * with openssl and `setwallet inspect` (README, "Checking a run yourself"):
 *
 *   DIR/sandbox/      the demo sandbox's data folder, keys included: pki/ (root.pem and every CA's
 *                     NAME.pem and NAME.key), gateway/ and merchant/ (each party's signature and
 *                     key-exchange certificate and key), db/ (the database)
 *   DIR/transcript/   every SET/2 message as it went over the wire (NN-Type.json), and root.pem
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface KeptRun {
  sandbox: string;
  transcript: string;
}

export function keptRun(dir: string): KeptRun {
  const at = resolve(dir);
  return { sandbox: join(at, 'sandbox'), transcript: join(at, 'transcript') };
}

/** Why `dir` cannot take a kept run (it holds something already), or undefined. */
export function keepProblem(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  try {
    if (readdirSync(dir).length === 0) return undefined;
  } catch {
    return `${dir} is not a folder`;
  }
  return `${dir} is not empty: give --keep a new or empty folder, so that the run kept there is this one`;
}
