// Commander argument parsers shared by the commands: a bad value is a usage error naming the faulty
// option, with a French explanation (exit code 2).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { normaliseAddress, parseHostPort } from '../accounts/account.js';
import { AppError } from '../errors/index.js';
import { termField } from '../common/terminal-text.js';

export function hostPortArgument(value: string): { host: string; port: number } {
  try {
    return parseHostPort(value);
  } catch {
    throw new InvalidArgumentError(`« ${value} » n’est pas de la forme HÔTE:PORT (ex. imap.operateur.fr:993).`);
  }
}

export function addressArgument(value: string): string {
  try {
    return normaliseAddress(value);
  } catch {
    throw new InvalidArgumentError(`« ${value} » n’est pas une adresse de messagerie.`);
  }
}

export function existingFile(value: string): string {
  const file = resolve(value);
  if (!existsSync(file)) throw new InvalidArgumentError(`fichier introuvable : ${value}`);
  return file;
}

/** French thousands: 100000 → "100 000". */
const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** Parser of an integer option within [min, max]; the error names the option and the bounds. */
export function integerBetween(option: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${option} doit être entre ${thousands(min)} et ${thousands(max)} (reçu : « ${termField(value)} »).`);
    }
    return n;
  };
}

/** A message id argument (messages, audit evidence). */
export function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('INVALID_ARGUMENT', `not a message id: ${raw}`, { data: { id: raw } });
  return id;
}
