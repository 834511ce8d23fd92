// The recovery code: 125 random bits shown once at set-up as 5 groups of 5
// characters (Crockford base32: no I, L, O, U; easy to read aloud and to
// print), kept by the clinic's IT person. It re-wraps the store key for a
// renewed card. The KEK comes from scrypt over the normalised code: the code's
// entropy already defeats guessing; scrypt makes each guess cost more still.
import { randomBytes, scryptSync } from 'node:crypto';
import { AppError } from '../../errors/index.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 5;
const GROUP_LENGTH = 5;
const LENGTH = GROUPS * GROUP_LENGTH;

/** A fresh code, e.g. `7K2QD-M9XWE-0RT4P-HV8NB-3CJ6S`. */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(LENGTH);
  let out = '';
  for (let i = 0; i < LENGTH; i++) {
    if (i && i % GROUP_LENGTH === 0) out += '-';
    out += ALPHABET[bytes[i]! & 31];
  }
  bytes.fill(0);
  return out;
}

/** Uppercase, separators dropped, look-alikes mapped (O→0, I/L→1); INVALID when not a code. */
export function normaliseRecoveryCode(raw: string): string {
  const s = raw.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== LENGTH || [...s].some((ch) => !ALPHABET.includes(ch))) {
    throw new AppError('STORE_RECOVERY_INVALID', 'not a recovery code (25 characters in 5 groups)');
  }
  return s;
}

// scrypt cost: ~50 ms once per recovery; memory 16 MiB.
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export function recoveryKek(code: string, salt: Buffer): Buffer {
  const normalised = Buffer.from(normaliseRecoveryCode(code), 'utf8');
  try {
    return scryptSync(normalised, salt, 32, SCRYPT);
  } finally {
    normalised.fill(0);
  }
}
