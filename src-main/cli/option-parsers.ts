// Commander argument parsers shared by the commands: a bad value is a usage error naming the faulty
// option, with a French explanation (exit code 2).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { normaliseAddress, parseHostPort } from '../accounts/account.js';
import { AppError } from '../errors/index.js';

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

/** A message id argument (messages, audit evidence). */
export function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('INVALID_ARGUMENT', `not a message id: ${raw}`, { data: { id: raw } });
  return id;
}
