// What must run when a command ends, registered by the module that needs it (the card session
// of card-unlock.ts): run.ts calls it without importing that module, so a command that never
// touches the card or the store does not load their code.
type Hook = () => Promise<void>;

const hooks = new Set<Hook>();

export function atCommandEnd(hook: Hook): void {
  hooks.add(hook);
}

/** Runs every registered hook in order; the first failure is rethrown after all have run. */
export async function endCommand(): Promise<void> {
  let failure: { err: unknown } | undefined;
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure) throw failure.err;
}
