import type { CommandRegistrar } from '../program.js';
import { registerCard } from './card.js';
import { registerXdm } from './xdm.js';
import { registerMdn } from './mdn.js';
import { registerAccount } from './account.js';
import { registerSync } from './sync.js';
import { registerMessages } from './messages.js';
import { registerSearch } from './search.js';
import { registerAnnuaire } from './annuaire.js';
import { registerListeBlanche } from './listeblanche.js';
import { registerCheckServer } from './check-server.js';
import { registerSend } from './send.js';
import { registerOutbox } from './outbox.js';
import { registerSent } from './sent.js';
import { registerAudit } from './audit.js';
import { registerTrust } from './trust.js';
import { registerStore } from './store.js';
import { registerResults } from './results.js';
import { registerStoreKeys } from './store-keys.js';
import { registerPsc } from './psc.js';

// One line per command group. Each group is a module of its own under commands/.
export const COMMAND_GROUPS: readonly CommandRegistrar[] = [
  registerCard,
  registerXdm,
  registerMdn,
  registerAccount,
  registerPsc,
  registerSync,
  registerStore,
  registerMessages,
  registerSearch,
  registerAnnuaire,
  registerListeBlanche,
  registerTrust,
  registerCheckServer,
  registerSend,
  registerOutbox,
  registerSent,
  // after registerMessages: also adds `messages export`
  registerAudit,
  registerResults,
  registerStoreKeys,
];
