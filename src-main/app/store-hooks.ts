// The one place that composes the store's hooks: a named registry (trust
// decision, access journal, read receipts and delivery reports). The store thread (store-thread.ts)
// and the CLI's in-process store both build their hooks here; asking for a
// name the registry does not have is a startup failure, never a silent
// "no journal, no trust".
import { journalHooks } from '../audit/store-hooks.js';
import { AppError } from '../errors/index.js';
import type { StoreHookName, StoreHookOptions, StoreHooks } from '../store/types.js';
import { TrustContext } from '../trust/context.js';
import { trustHooksFor } from '../trust/store-hook.js';
import { deliveryReportOf, receiptOf } from '../xdm/receipt-hook.js';

type HookFactory = (options: StoreHookOptions) => StoreHooks;

const REGISTRY: Record<StoreHookName, HookFactory> = {
  // a damaged annuaire or liste blanche counts as not imported: it must never keep the store closed
  trust: (o) => trustHooksFor(TrustContext.openLenient(o.trustDir).context),
  journal: () => journalHooks(),
  receipts: () => ({ receipt: receiptOf, deliveryReport: deliveryReportOf }),
};

/** The hooks every store of the product runs with (shell, CLI, harness). */
export const PRODUCT_STORE_HOOKS: readonly StoreHookName[] = ['trust', 'journal', 'receipts'];

/** Builds the named hooks into one StoreHooks; an unknown name throws (INTERNAL: the store must not open). */
export function composeStoreHooks(names: readonly StoreHookName[], options: StoreHookOptions | undefined): StoreHooks {
  let hooks: StoreHooks = {};
  for (const name of names) {
    const factory = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
    if (!factory) throw new AppError('INTERNAL', `store hook "${String(name)}" is not registered`);
    if (!options) throw new AppError('INTERNAL', `store hook "${name}" needs the data folder`);
    hooks = { ...hooks, ...factory(options) };
  }
  return hooks;
}
