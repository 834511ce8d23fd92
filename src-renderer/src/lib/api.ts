// The renderer's only door to main: `window.mssante` (the contract's bridge,
// exposed by the preload in Electron). `call` unwraps the Result envelope and
// throws a UiError carrying the French message main sent.
import type { ErrorInfo, MssanteApi, Result } from '../../../src-main/ipc/contract.js';

declare global {
  interface Window {
    mssante: MssanteApi;
  }
}

export class UiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message ?? info.code);
  }
}

export const api = (): MssanteApi => window.mssante;

export async function call<T>(pending: Promise<Result<T>>): Promise<T> {
  const result = await pending;
  if (!result.ok) throw new UiError(result.error);
  return result.value;
}

/** French text for any failure: main's message, else a generic sentence (never a stack). */
export function messageOf(err: unknown): string {
  if (err instanceof UiError) return err.info.message ?? 'Une erreur est survenue.';
  return 'Une erreur inattendue est survenue. Réessayez.';
}

export function codeOf(err: unknown): string | undefined {
  return err instanceof UiError ? err.info.code : undefined;
}
