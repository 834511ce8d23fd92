// The server-certificate options shared by every command that connects to an operator
// (`account test`, `check-server`, …): one wording, one validation.
import { Option } from 'commander';
import { existingFile } from './option-parsers.js';

/** `--trust-anchors FILE`: a test or qualification PKI instead of the IGC-Santé roots (logged at use). */
export function trustAnchorsOption(): Option {
  return new Option('--trust-anchors <fichier>', 'autorités de confiance PEM de test ou de qualification, à la place de l’IGC-Santé').argParser(existingFile);
}

/** `--crl-soft-fail`: accept an unverifiable revocation status (logged; see docs/PKI.md). */
export function crlSoftFailOption(): Option {
  return new Option('--crl-soft-fail', 'accepter un serveur dont la révocation ne peut pas être vérifiée (déconseillé)');
}
