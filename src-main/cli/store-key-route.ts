// How a CLI command opens the card-bound store (src-main/store/keys/), decided
// from the global options, the data folder's keyring and the terminal — pure,
// unit-tested; card-unlock.ts does the I/O.
// - `--recovery-stdin`: the recovery code, first line of standard input (any
//   keyring with a recovery wrap: a card-less e-CPS user, or a card left at home);
// - a keyring bound to no card (`store init --without-card`): the recovery code,
//   asked on the terminal without echo when there is one (as the PIN is), else
//   STORE_CARD_REQUIRED naming --recovery-stdin;
// - otherwise the card and its PIN (first use of a folder: the card creates the keyring).
import { AppError } from '../errors/index.js';

export type StoreKeyRoute = 'card' | 'recovery-stdin' | 'recovery-prompt';

export interface KeyringFacts {
  cards: number;
  recovery: boolean;
}

export function storeKeyRoute(o: { recoveryStdin: boolean; keyring: KeyringFacts | null; tty: boolean }): StoreKeyRoute {
  if (o.recoveryStdin) {
    if (!o.keyring || !o.keyring.recovery) throw new AppError('STORE_RECOVERY_INVALID', 'this data folder has no recovery code', { data: { reason: 'not-set-up' } });
    return 'recovery-stdin';
  }
  if (o.keyring && o.keyring.cards === 0) {
    if (!o.tty) throw new AppError('STORE_CARD_REQUIRED', 'a card-less store: give its recovery code', { data: { reason: 'card-less-store' } });
    return 'recovery-prompt';
  }
  return 'card';
}
