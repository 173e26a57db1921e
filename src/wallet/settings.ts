/**
 * The user's settings, kept in the wallet database (they are not secret): for now the idle time
 * after which the vault locks itself.
 */
import { walletError } from './errors.ts';
import type { SettingsRecord, WalletDb } from './vault/db.ts';

export const DEFAULT_IDLE_MINUTES = 15;
export const MIN_IDLE_MINUTES = 1;
export const MAX_IDLE_MINUTES = 24 * 60;

export interface WalletSettings {
  idleMinutes: number;
}

export class Settings {
  /** Called after a change, so the owner can re-arm what depends on it (the auto-lock alarm). */
  onChange: (settings: WalletSettings) => Promise<void> = async () => {};

  constructor(private readonly db: WalletDb) {}

  async get(): Promise<WalletSettings> {
    const record = (await this.db.get('meta', 'settings')) as SettingsRecord | undefined;
    return { idleMinutes: record?.idleMinutes ?? DEFAULT_IDLE_MINUTES };
  }

  async setIdleMinutes(minutes: number): Promise<WalletSettings> {
    if (!Number.isInteger(minutes) || minutes < MIN_IDLE_MINUTES || minutes > MAX_IDLE_MINUTES) {
      walletError('badMessage', `the idle time is a whole number of minutes from 1 to ${MAX_IDLE_MINUTES}`, {
        problem: 'idleMinutes',
      });
    }
    await this.db.put('meta', { id: 'settings', idleMinutes: minutes } satisfies SettingsRecord);
    const settings = await this.get();
    await this.onChange(settings);
    return settings;
  }
}
