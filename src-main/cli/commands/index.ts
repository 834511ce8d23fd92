import type { CommandRegistrar } from '../program.js';

// One module per command group under commands/, loaded only when the command line needs it:
// each group pulls its share of the core (store, TLS, trust, XDM, …) and loading all of them
// costs most of a CLI start.
const LOADERS = {
  card: async () => (await import('./card.js')).registerCard,
  xdm: async () => (await import('./xdm.js')).registerXdm,
  mdn: async () => (await import('./mdn.js')).registerMdn,
  account: async () => (await import('./account.js')).registerAccount,
  psc: async () => (await import('./psc.js')).registerPsc,
  sync: async () => (await import('./sync.js')).registerSync,
  store: async () => (await import('./store.js')).registerStore,
  messages: async () => (await import('./messages.js')).registerMessages,
  search: async () => (await import('./search.js')).registerSearch,
  annuaire: async () => (await import('./annuaire.js')).registerAnnuaire,
  listeblanche: async () => (await import('./listeblanche.js')).registerListeBlanche,
  trust: async () => (await import('./trust.js')).registerTrust,
  checkServer: async () => (await import('./check-server.js')).registerCheckServer,
  send: async () => (await import('./send.js')).registerSend,
  outbox: async () => (await import('./outbox.js')).registerOutbox,
  sent: async () => (await import('./sent.js')).registerSent,
  audit: async () => (await import('./audit.js')).registerAudit,
  results: async () => (await import('./results.js')).registerResults,
  storeKeys: async () => (await import('./store-keys.js')).registerStoreKeys,
  policy: async () => (await import('./policy.js')).registerPolicy,
} satisfies Record<string, () => Promise<CommandRegistrar>>;

export type CommandGroup = keyof typeof LOADERS;

/** Every group, in registration order (the order of `mssante --help`). */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  'card',
  'xdm',
  'mdn',
  'account',
  'psc',
  'sync',
  'store',
  'messages',
  'search',
  'annuaire',
  'listeblanche',
  'trust',
  'checkServer',
  'send',
  'outbox',
  'sent',
  // after messages: audit adds `messages export`, results adds `messages print`
  'audit',
  'results',
  // after store: adds `store rekey`, `store init` and `store keychain`
  'storeKeys',
  'policy',
];

/**
 * Top-level command → every group that builds it or that it needs at run time.
 * A unit test checks that the keys are exactly the program's top-level commands.
 */
export const GROUPS_OF_COMMAND: Readonly<Record<string, readonly CommandGroup[]>> = {
  card: ['card'],
  xdm: ['xdm'],
  mdn: ['mdn'],
  account: ['account'],
  psc: ['psc'],
  sync: ['sync'],
  // `store rebuild` runs the `sync` command; `store rekey|init|keychain` come from storeKeys
  store: ['store', 'storeKeys', 'sync'],
  messages: ['messages', 'audit', 'results'],
  search: ['search'],
  annuaire: ['annuaire'],
  listeblanche: ['listeblanche'],
  trust: ['trust'],
  'check-server': ['checkServer'],
  send: ['send'],
  outbox: ['outbox'],
  sent: ['sent'],
  // audit and results also add a subcommand to `messages`, registered before them
  audit: ['audit', 'messages'],
  results: ['results', 'messages'],
  policy: ['policy'],
};

/**
 * The groups to load for a command line whose top-level command is `name`: only its own when
 * it is a known command; all of them otherwise (no command, `help`, an unknown word), so that
 * the help and commander's "unknown command" suggestions are those of the whole program.
 */
export function groupsForCommand(name: string | undefined): readonly CommandGroup[] {
  const own = name !== undefined && Object.hasOwn(GROUPS_OF_COMMAND, name) ? GROUPS_OF_COMMAND[name] : undefined;
  return own ? COMMAND_GROUPS.filter((g) => own.includes(g)) : COMMAND_GROUPS;
}

/** Imports the groups' modules, keeping the order given. */
export function loadCommandGroups(groups: readonly CommandGroup[]): Promise<CommandRegistrar[]> {
  return Promise.all(groups.map((g) => LOADERS[g]()));
}
