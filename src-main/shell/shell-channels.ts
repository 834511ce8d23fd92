// The contract channels that need the OS: app info, opening/saving
// attachments, choosing files, links, the message HTML view.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BaseWindow, Dialog, Shell } from 'electron';
import { AppError } from '../errors/index.js';
import type { ChannelHandler, ShellChannel } from '../ipc/contract.js';
import type { CoreServices } from '../app/services.js';
import { MAX_ATTACHMENT_BYTES } from '../app/compose-app.js';
import { riskyToOpen, safeFileName } from './files.js';
import type { MessageViewController } from './message-view.js';
import type { ExternalOpener } from './security.js';
import { pdfFileName } from '../print/pdf-options.js';
import type { PrintDocument } from '../print/print-document.js';

export type ShellChannelHandlers = { [C in ShellChannel]: ChannelHandler<C> };

export interface ShellChannelDeps {
  version: string;
  core: CoreServices;
  dialog: Pick<Dialog, 'showSaveDialog' | 'showOpenDialog'>;
  shell: Pick<Shell, 'openPath'>;
  window: () => BaseWindow | undefined;
  openExternal: ExternalOpener;
  messageView: Pick<MessageViewController, 'show' | 'setBounds' | 'hide' | 'tabStops' | 'focus'>;
  /** Folder for attachments opened with the OS (wiped at start and quit). */
  openedAttachmentsDir: string;
  /** Chromium's PDF printing of a print page (Electron printToPDF, see print-pdf.ts). */
  renderPdf?: (doc: PrintDocument) => Promise<Uint8Array>;
  now?: () => Date;
  platform?: NodeJS.Platform;
}

export function shellChannels(deps: ShellChannelDeps): ShellChannelHandlers {
  const platform = deps.platform ?? process.platform;
  return {
    'app.info': async () => ({
      version: deps.version,
      platform: platform === 'linux' || platform === 'win32' || platform === 'darwin' ? platform : 'other',
      isolatedMessageView: true,
    }),

    'attachment.open': async (ref) => {
      const content = await deps.core.attachmentContent(ref, 'open');
      const name = safeFileName(content.filename);
      if (riskyToOpen(name)) return { opened: false };
      const dir = join(deps.openedAttachmentsDir, randomUUID());
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, name);
      await writeFile(file, content.data, { mode: 0o600, flag: 'wx' });
      const failure = await deps.shell.openPath(file);
      return { opened: failure === '' };
    },

    'attachment.save': async (ref) => {
      const content = await deps.core.attachmentContent(ref, 'save');
      const win = deps.window();
      const options = { title: 'Enregistrer la pièce jointe', defaultPath: safeFileName(content.filename), buttonLabel: 'Enregistrer' };
      const choice = win ? await deps.dialog.showSaveDialog(win, options) : await deps.dialog.showSaveDialog(options);
      if (choice.canceled || !choice.filePath) return { saved: false };
      try {
        await writeFile(choice.filePath, content.data);
      } catch (err) {
        throw new AppError('IO_FAILED', 'cannot write the saved attachment', { cause: err });
      }
      return { saved: true };
    },

    'compose.pickFiles': async () => {
      const win = deps.window();
      const options = { title: 'Joindre des fichiers', buttonLabel: 'Joindre', properties: ['openFile' as const, 'multiSelections' as const] };
      const choice = win ? await deps.dialog.showOpenDialog(win, options) : await deps.dialog.showOpenDialog(options);
      if (choice.canceled) return { attachments: [] };
      const attachments = [];
      for (const path of choice.filePaths) {
        const info = await stat(path);
        if (info.size > MAX_ATTACHMENT_BYTES) throw new AppError('INVALID_ARGUMENT', 'attachment larger than 25 MB', { data: { maxBytes: MAX_ATTACHMENT_BYTES } });
        const data = await readFile(path);
        attachments.push(await deps.core.attachFile({ filename: basename(path), contentType: 'application/octet-stream', data }));
      }
      return { attachments };
    },

    'link.open': async ({ url }) => ({ opened: await deps.openExternal(url) }),

    'messageView.show': async ({ html, bounds }) => ({ shown: deps.messageView.show(html, bounds), tabStops: deps.messageView.tabStops() }),
    'messageView.setBounds': async ({ bounds }) => ({ shown: deps.messageView.setBounds(bounds) }),
    'messageView.hide': async () => ({ shown: deps.messageView.hide() }),
    'messageView.focus': async ({ backwards }) => ({ focused: await deps.messageView.focus(backwards) }),

    'print.pdf': async (ref) => {
      const printedAt = deps.now?.() ?? new Date();
      const doc = await deps.core.printable(ref, printedAt);
      const win = deps.window();
      const options = { title: 'Enregistrer en PDF', defaultPath: pdfFileName(doc.title, printedAt), buttonLabel: 'Enregistrer', filters: [{ name: 'PDF', extensions: ['pdf'] }] };
      const choice = win ? await deps.dialog.showSaveDialog(win, options) : await deps.dialog.showSaveDialog(options);
      if (choice.canceled || !choice.filePath) return { saved: false };
      if (!deps.renderPdf) throw new AppError('PRINT_FAILED', 'no PDF renderer');
      const bytes = await deps.renderPdf(doc);
      try {
        await writeFile(choice.filePath, bytes);
      } catch (err) {
        throw new AppError('IO_FAILED', 'cannot write the PDF', { cause: err });
      }
      await deps.core.recordPrinted(ref, 'pdf');
      return { saved: true };
    },
  };
}
