/**
 * A passphrase strength hint for first run: a rough entropy estimate (character classes times
 * length, less what repeats, runs and common words give away), scored 0–4 like zxcvbn so the UI
 * can show a meter. It guides; it does not refuse (the vault only asks for MIN_PASSPHRASE_LENGTH).
 */

export type StrengthHint =
  | 'strength_tooShort'
  | 'strength_common'
  | 'strength_repeats'
  | 'strength_sequence'
  | 'strength_addWords'
  | 'strength_good';

export interface PassphraseStrength {
  /** 0 (trivial) … 4 (strong) */
  score: 0 | 1 | 2 | 3 | 4;
  /** The `_locales` message that tells the user how to do better (or that it is good). */
  hintKey: StrengthHint;
  /** The estimate the score comes from, in bits. */
  entropyBits: number;
}

const COMMON = [
  'password',
  'passwort',
  'motdepasse',
  'qwerty',
  'azerty',
  'letmein',
  'welcome',
  'iloveyou',
  'admin',
  'dragon',
  'monkey',
  'sunshine',
  'football',
  'secret',
  'wallet',
  'abc123',
];
const SEQUENCES = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

export function passphraseStrength(passphrase: string): PassphraseStrength {
  const chars = [...passphrase];
  let pool = 0;
  if (/[a-z]/.test(passphrase)) pool += 26;
  if (/[A-Z]/.test(passphrase)) pool += 26;
  if (/[0-9]/.test(passphrase)) pool += 10;
  if (/[!-/:-@[-`{-~]/.test(passphrase)) pool += 33;
  if (/\s/.test(passphrase)) pool += 1;
  if (chars.some((c) => c.codePointAt(0)! > 0x7f)) pool += 100;
  const lower = passphrase.toLowerCase();

  // Each character counts for log2(pool) bits, but characters already seen count for little.
  const perChar = Math.log2(Math.max(pool, 2));
  const unique = new Set(chars).size;
  let bits = unique * perChar + (chars.length - unique) * 1.5;

  let hint: StrengthHint | undefined;
  const common = COMMON.filter((w) => lower.includes(w));
  for (const w of common) bits -= (w.length - 1) * perChar;
  if (common.length) hint = 'strength_common';
  const run = longestSequence(lower);
  if (run >= 4) {
    bits -= (run - 2) * perChar;
    hint ??= 'strength_sequence';
  }
  if (chars.length >= 4 && unique <= chars.length / 3) hint ??= 'strength_repeats';
  if (chars.length < 8) hint = 'strength_tooShort';
  bits = Math.max(0, Math.round(bits));

  const score = bits < 28 ? 0 : bits < 45 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  if (!hint) hint = score >= 3 ? 'strength_good' : 'strength_addWords';
  if (chars.length < 8) return { score: Math.min(score, 1) as 0 | 1, hintKey: hint, entropyBits: bits };
  return { score, hintKey: hint, entropyBits: bits };
}

/** The longest run of consecutive characters from a keyboard or alphabet sequence, either way. */
function longestSequence(text: string): number {
  let best = 0;
  for (const seq of SEQUENCES) {
    for (const s of [seq, [...seq].reverse().join('')]) {
      let run = 1;
      for (let i = 1; i < text.length; i++) {
        const at = s.indexOf(text[i - 1]!);
        run = at >= 0 && s[at + 1] === text[i] ? run + 1 : 1;
        best = Math.max(best, run);
      }
    }
  }
  return best;
}
