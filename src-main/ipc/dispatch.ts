// Electron-free dispatcher of the contract: validates the request, calls the
// handler, validates the response, and always answers with a Result envelope.
// The Electron handlers (src-main/shell/ipc-handlers.ts) and the test-only
// loopback harness both go through it, so both enforce the same contract.
import type { z } from 'zod';
import { AppError, isErrorCode, messageFr, toAppError, type ErrorCode } from '../errors/index.js';
import {
  CHANNELS,
  EVENTS,
  type ChannelHandlers,
  type ChannelName,
  type ErrorInfo,
  type EventName,
  type EventPayload,
  type Result,
} from './contract.js';

function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.hasOwn(CHANNELS, name);
}

/** The envelope of a failure: the code, its French text, and primitive data only. */
export function errorResult(err: unknown): { ok: false; error: ErrorInfo } {
  const appError = toAppError(err);
  const code: ErrorCode = isErrorCode(appError.code) ? appError.code : 'INTERNAL';
  const data: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(appError.data)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) data[key] = value as string | number | boolean | null;
  }
  return {
    ok: false,
    error: { code, message: messageFr(code, appError.data), ...(Object.keys(data).length ? { data } : {}) },
  };
}

/** Where validation failed, without ever echoing the values (a PIN could be one). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
}

export interface DispatchOptions {
  /** Called on handler responses that break the contract (a bug in main): code + channel, never the data. */
  onContractViolation?: (channel: ChannelName, detail: string) => void;
}

/**
 * Runs one request through the contract. Never throws: unknown channel or bad
 * input → INVALID_ARGUMENT; handler error → its AppError code; a response that
 * does not match the contract → INTERNAL (nothing of it leaves main).
 */
export async function dispatch(
  handlers: ChannelHandlers,
  channel: unknown,
  rawRequest: unknown,
  options: DispatchOptions = {},
): Promise<Result<unknown>> {
  if (!isChannelName(channel)) {
    return errorResult(new AppError('INVALID_ARGUMENT', 'unknown IPC channel'));
  }
  const spec = CHANNELS[channel];
  const request = spec.request.safeParse(rawRequest ?? {});
  if (!request.success) {
    return errorResult(new AppError('INVALID_ARGUMENT', `invalid request for ${channel}: ${describeIssues(request.error)}`));
  }
  let value: unknown;
  try {
    const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
    value = await handler(request.data);
  } catch (err) {
    return errorResult(err);
  }
  const response = spec.response.safeParse(value);
  if (!response.success) {
    options.onContractViolation?.(channel, describeIssues(response.error));
    return errorResult(new AppError('INTERNAL', `response of ${channel} breaks the contract`));
  }
  return { ok: true, value: response.data };
}

/** Validates an event payload before it leaves main; throws INTERNAL on a contract break. */
export function checkEvent<E extends EventName>(event: E, payload: EventPayload<E>): EventPayload<E> {
  const parsed = EVENTS[event].safeParse(payload);
  if (!parsed.success) {
    throw new AppError('INTERNAL', `event ${event} breaks the contract: ${describeIssues(parsed.error)}`);
  }
  return parsed.data as EventPayload<E>;
}

/** Where events go: the shell sends them to the window, the harness to its loopback client. */
export type EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => void;
