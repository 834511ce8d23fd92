// The card host's message protocol: typed requests with ids, responses, and
// unsolicited events, over any MessagePort-like channel (child_process IPC
// today, Electron's utilityProcess/MessagePort later). Messages must survive
// structured clone: plain objects, strings, numbers, Uint8Array.
import type { ErrorCode } from '../errors/index.js';
import type { ModuleAttempt } from './discovery.js';
import type { SignPlan } from './signature-schemes.js';

/** Minimal duplex channel: both the fork IPC and a MessagePort fit behind it. */
export interface PortLike<In, Out> {
  postMessage(message: Out): void;
  onMessage(handler: (message: In) => void): void;
}

export interface ModuleInfo {
  path: string;
  source: ModuleAttempt['source'];
  libraryDescription: string;
  manufacturer: string;
  /** modules that were tried before this one */
  attempts: ModuleAttempt[];
}

export interface RawCertificate {
  idHex: string;
  label: string;
  der: Uint8Array;
}

/** A reader (slot) and the card in it, as PKCS#11 reports it. */
export interface RawSlot {
  /** PKCS#11 slot id, decimal (stable for the life of the module) */
  slot: string;
  reader: string;
  present: boolean;
  /** null when no (initialised) token is in the reader */
  token: null | {
    label: string;
    serial: string;
    model: string;
    manufacturer: string;
    flags: number;
    mechanisms: number[];
    certificates: RawCertificate[];
  };
}

export type CardRequest =
  | { op: 'open'; modulePath?: string; pollIntervalMs: number }
  | { op: 'slots' }
  /** `pin` null: pinpad (protected authentication path) */
  | { op: 'login'; slot: string; serial: string; keyIdHex: string; pin: Uint8Array | null }
  | { op: 'sign'; sessionId: string; plan: SignPlan; pin?: Uint8Array | null }
  | { op: 'logout'; sessionId: string };

export interface LoginResult {
  sessionId: string;
  alwaysAuthenticate: boolean;
}

export interface CardResults {
  open: ModuleInfo;
  slots: RawSlot[];
  login: LoginResult;
  sign: Uint8Array;
  logout: null;
}

export type CardEvent =
  | { type: 'inserted'; slot: string; label: string; serial: string }
  | { type: 'removed'; slot: string; label: string; serial: string }
  | { type: 'sessionEnded'; sessionId: string; reason: 'removed' | 'logout' | 'unavailable' };

export interface WireError {
  code: ErrorCode;
  detail: string;
  data: Record<string, unknown>;
}

export type HostRequest = { id: number } & CardRequest;
export type HostMessage =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError }
  | { kind: 'event'; event: CardEvent }
  | { kind: 'ready' };
