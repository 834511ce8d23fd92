// The application facade: what the IPC handlers (and the test-only loopback
// harness) call. Electron-free. One method per 'core' channel of the contract,
// with exactly the contract's validated request and response types, plus the
// few internal operations the shell needs for its OS-bound channels.
import type { ChannelHandler, CoreChannel } from '../ipc/contract.js';
import type { PrintDocument } from '../print/print-document.js';

/** One handler per 'core' channel of src-main/ipc/contract.ts. */
export type CoreChannelHandlers = { [C in CoreChannel]: ChannelHandler<C> };

/** An attachment's bytes, for the shell to save or open (never sent to the renderer). */
export interface AttachmentContent {
  filename: string;
  contentType: string;
  data: Buffer;
}

/** Operations the shell needs that are not channels themselves. */
export interface CoreInternals {
  /** The bytes of one attachment of a stored message; `purpose` says what the shell does with them (journalled). */
  attachmentContent(ref: { messageId: string; partId: string }, purpose?: 'open' | 'save'): Promise<AttachmentContent>;
  /** Adds a file chosen in the OS dialog to the compose attachments (same result as compose.attachData). */
  attachFile(file: { filename: string; contentType: string; data: Buffer }): Promise<{ attachmentId: string; filename: string; contentType: string; size: number }>;
  /** The print page of a message (whole, or its laboratory results only), for the shell's PDF export. */
  printable(ref: { messageId: string; view: 'message' | 'results' }, printedAt: Date): Promise<PrintDocument>;
  /** Journals a printout once written (what and how, never the content). */
  recordPrinted(ref: { messageId: string; view: 'message' | 'results' }, target: 'pdf' | 'printer'): Promise<void>;
}

export type CoreServices = CoreChannelHandlers & CoreInternals;

/** Services that start and stop with the application (see lifecycle.ts). */
export interface Startable {
  readonly name: string;
  start(): Promise<void>;
  /** Must not throw for a service that failed to start or is already stopped. */
  stop(): Promise<void>;
}
