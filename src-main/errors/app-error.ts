import type { ErrorCode } from './codes.js';

/**
 * The only error type the core throws across module boundaries. `detail` is
 * for developers and logs (English, never patient data, never a PIN); users
 * see the French message of `code` (messages-fr.ts). `data` carries
 * structured facts an edge may show (e.g. PIN tries left).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(detail ?? code, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.data = Object.freeze({ ...(options?.data ?? {}) });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(err: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (err instanceof AppError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new AppError(fallback, detail, { cause: err });
}
