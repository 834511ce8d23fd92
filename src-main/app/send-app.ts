// Sending in the app, over the sending module (src-main/send): a draft from the
// renderer becomes an RFC 5322 message, is checked (recipients in the trust
// space, size) and SAVED IN THE OUTBOX before any network; the queue is then
// processed with the logged-in card. Drafts are saved locally (then copied to
// the server's Drafts). `outbox.changed` tells the renderer.
import type { AccountConfig } from '../accounts/account.js';
import { AppError, isErrorCode, messageFr } from '../errors/index.js';
import type { OutboxItem } from '../ipc/contract.js';
import type { EventSink } from '../ipc/dispatch.js';
import {
  assertRecipientsExcept,
  confirmedOutsideRecipients,
  assertMessageSize,
  composeMessage,
  effectiveSizeLimit,
  processOutbox,
  recipientPolicyOf,
  saveDraftLocally,
  uploadDraft,
  type AccountMailChannel,
  type ComposeAddress,
  type OutboxApi,
  type OutboxEntry,
  type RecipientPolicy,
} from '../send/index.js';
import { checkPatientRules, patientAddress, patientSizeLimit } from '../send/patients.js';
import { PATIENT_DOMAIN, PRODUCT_NIL } from '../rules/messaging.js';
import { mssHeaders } from '../xdm/mss-headers.js';
import type { TrustContext } from '../trust/index.js';
import type { PatientIdentityOf } from './patient-app.js';
import type { CoreChannelHandlers } from './services.js';
import { parseId, type MailStorePort } from './mail-app.js';
import type { JournalPort } from '../audit/port.js';
import { deliveryRecords, sentRecord } from '../audit/records.js';

type DraftIn = Parameters<CoreChannelHandlers['compose.send']>[0]['draft'];
type SendChannels = Pick<CoreChannelHandlers, 'compose.send' | 'compose.saveDraft' | 'compose.discardDraft' | 'outbox.list' | 'outbox.retry' | 'outbox.cancel'>;

export interface SendAppDeps {
  emit: EventSink;
  /** The outbox: a service of the store thread (the store's one writer), every call a message. */
  outbox: () => OutboxApi;
  store: () => Pick<MailStorePort, 'changeFlags'>;
  trust: () => TrustContext | null;
  account: () => Promise<AccountConfig | undefined>;
  /** SMTP + IMAP channel signed by the logged-in card; undefined when no card session. */
  channel: (account: AccountConfig) => AccountMailChannel | undefined;
  /** Bytes of a compose attachment held by main. */
  attachment: (id: string) => { filename: string; contentType: string; data: Buffer } | undefined;
  /** « Écrire au patient »: the identity a draft's patient source names (patient-app.ts); absent → refused. */
  patientIdentity?: PatientIdentityOf;
  /** Settings patientDomain (patient.mssante.fr when not given). */
  patientDomain?: () => string;
  /** Clinic setting outsideTrustSpace ('confirm' when not given). */
  outsidePolicy?: () => 'block' | 'confirm';
  /** The access journal: each message accepted by the server is recorded (Message-ID, recipients, hash). */
  journal?: JournalPort;
  /** Signs the journal head with the card after messages were sent (CardApp.checkpoint); never throws. */
  checkpoint?: () => Promise<void>;
}

export interface SendApp {
  channels: SendChannels;
  /** Sends what is due (after a send, an unlock, a reconnect). Never throws; single flight. */
  flush(): Promise<void>;
  /** Waits for the queue pass in progress (graceful shutdown: its bookkeeping is committed). */
  idle(): Promise<void>;
}

/** Without a liste blanche nothing can be checked: every recipient is refused, with that reason. */
const NO_LISTE_BLANCHE: RecipientPolicy = {
  isAddressInTrustSpace: (address) => ({ address, normalised: null, syntaxValid: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address), domainInListeBlanche: false, inTrustSpace: false }),
  hasListeBlanche: false,
};

function outboxItem(e: OutboxEntry): OutboxItem {
  const code = e.lastErrorCode && isErrorCode(e.lastErrorCode) ? e.lastErrorCode : e.lastErrorCode ? 'SMTP_FAILED' : undefined;
  return {
    id: String(e.id),
    createdAt: new Date(e.createdAt).toISOString(),
    subject: e.subject ?? '',
    to: [...e.recipients.to, ...e.recipients.cc, ...e.recipients.bcc],
    state: e.state === 'draft' ? 'queued' : e.state,
    attempts: e.attempts,
    ...(code && (e.state === 'failed' || e.state === 'uncertain' || e.state === 'queued') ? { error: { code, message: messageFr(code) } } : {}),
  };
}

export function createSendApp(deps: SendAppDeps): SendApp {
  let running: Promise<void> | undefined;

  const requireAccount = async () => {
    const account = await deps.account();
    if (!account) throw new AppError('SERVICE_UNAVAILABLE', 'no mailbox account configured');
    return account;
  };

  const list = async () => (await deps.outbox().list({ states: ['queued', 'sending', 'sent', 'failed', 'uncertain'] })).slice(-200).map(outboxItem);
  const changed = (): Promise<void> =>
    list().then(
      (items) => deps.emit('outbox.changed', { items }),
      () => undefined, // the store closed meanwhile: the next list asks again
    );

  const compose = async (draft: DraftIn, account: AccountConfig, checkRecipients: boolean, confirmedOutside: readonly string[] = []) => {
    const trust = deps.trust();
    const policy = trust ? recipientPolicyOf(trust) : NO_LISTE_BLANCHE;
    // « Écrire au patient », before anything else (send/patients.ts, the CLI's rules): the address
    // exists only for a qualified INS; one patient; professionals too only once confirmed
    const patientDomain = deps.patientDomain?.() ?? PATIENT_DOMAIN;
    let patient: ComposeAddress | undefined;
    if (draft.patient) {
      if (!deps.patientIdentity) throw new AppError('SERVICE_UNAVAILABLE', 'writing to patients is not wired');
      patient = patientAddress(await deps.patientIdentity(draft.patient), patientDomain);
    }
    const { toPatient } = checkPatientRules({
      typed: [...draft.to, ...draft.cc, ...draft.bcc],
      ...(patient ? { patient } : {}),
      patientDomain,
      // an unfinished draft may hold both before the user confirms: the mixing is checked when it is sent
      mixedConfirmed: draft.mixedConfirmed === true || !checkRecipients,
      endOfTreatment: draft.endOfTreatment === true,
    });
    const to = patient ? [patient, ...draft.to] : [...draft.to];
    const all: ComposeAddress[] = [...to, ...draft.cc, ...draft.bcc];
    const outside = checkRecipients ? confirmedOutsideRecipients(all, policy, confirmedOutside, deps.outsidePolicy?.() ?? 'confirm') : [];
    // the confirmed outside recipients pass as they are; every other one is checked as usual
    const checked = checkRecipients ? assertRecipientsExcept(all, policy, outside) : all;
    const canonical = (list: readonly ComposeAddress[], offset: number) => list.map((a, i) => ({ ...a, address: checked[offset + i]!.address }));
    const attachments = draft.attachments.map((a) => {
      const held = deps.attachment(a.attachmentId);
      if (!held) throw new AppError('INVALID_ARGUMENT', 'a draft attachment is no longer held (session locked?)', { data: { filename: a.filename } });
      return { filename: held.filename, contentType: held.contentType, content: held.data };
    });
    const message = await composeMessage({
      from: { address: account.address },
      to: canonical(to, 0),
      cc: canonical(draft.cc, to.length),
      bcc: canonical(draft.bcc, to.length + draft.cc.length),
      subject: draft.subject,
      text: draft.text,
      attachments,
      ...(draft.inReplyTo ? { inReplyTo: draft.inReplyTo } : {}),
      ...(draft.references?.length ? { references: draft.references } : {}),
      readReceipt: draft.readReceipt,
      // ECO.2.4.x: derived from the attached IHE_XDM archives themselves (xdm/mss-headers.ts)
      headers: mssHeaders(attachments, { productNil: PRODUCT_NIL, endOfTreatment: toPatient && draft.endOfTreatment === true }),
    });
    const limit = effectiveSizeLimit({ serverBytes: await deps.outbox().serverMaxBytes(account.address) });
    assertMessageSize(message.raw.length, toPatient ? patientSizeLimit(limit) : limit);
    return Object.assign(message, { outside });
  };

  const flush = (): Promise<void> => {
    running ??= (async () => {
      try {
        const account = await deps.account();
        const channel = account && deps.channel(account);
        if (!account || !channel) return; // stays queued until a card session exists
        const sent: Promise<void>[] = [];
        try {
          await processOutbox(deps.outbox(), channel, account.address, {
            onSent: (e, deliveryChanges) => {
              sent.push(deps.journal?.record([sentRecord(e), ...deliveryRecords(deliveryChanges)]).catch(() => undefined) ?? Promise.resolve());
              if (e.replyToRow !== null) void deps.store().changeFlags(e.replyToRow, { answered: true });
            },
          });
          for (const draft of await deps.outbox().list({ states: ['draft'], accountAddress: account.address })) {
            if (draft.draftUid === null) await uploadDraft(deps.outbox(), channel, draft.id).catch(() => undefined);
          }
          // what was sent is anchored by the card right away, not only at lock or quit
          if (sent.length) await Promise.all(sent).then(() => deps.checkpoint?.());
        } finally {
          await channel.close().catch(() => undefined);
        }
      } catch {
        // entries carry their own error state; the renderer sees it through outbox.list
      } finally {
        running = undefined;
        await changed();
      }
    })();
    return running;
  };

  return {
    channels: {
      'compose.send': async ({ draft, confirmedOutside }) => {
        const account = await requireAccount();
        const message = await compose(draft, account, true, confirmedOutside);
        const replyToRow = draft.replyTo ? parseId(draft.replyTo, 'message') : null;
        // Saved before any network work: from here on the message cannot be lost.
        const entry = await deps.outbox().add(account.address, message, { replyToRow });
        // the override of the trust-space check is on record, with who it was for
        if (message.outside.length) {
          await deps.journal?.record([{ action: 'message.outside_trust_space', data: { messageId: message.messageId, recipients: message.outside, sha256: message.sha256 } }]);
        }
        if (draft.draftId) await deps.outbox().cancel(parseId(draft.draftId, 'message'));
        void changed();
        void flush();
        return { outboxId: String(entry.id) };
      },
      'compose.saveDraft': async ({ draft }) => {
        const account = await requireAccount();
        const saved = await saveDraftLocally(deps.outbox(), account.address, await compose(draft, account, false));
        if (draft.draftId) await deps.outbox().cancel(parseId(draft.draftId, 'message'));
        void flush();
        return { draftId: String(saved.id) };
      },
      'compose.discardDraft': async ({ draftId }) => {
        const entry = await deps.outbox().get(parseId(draftId, 'message'));
        if (entry.state !== 'draft') return { discarded: false };
        await deps.outbox().cancel(entry.id);
        return { discarded: true };
      },
      'outbox.list': async () => ({ items: await list() }),
      'outbox.retry': async ({ id, confirmUncertain }) => {
        const entry = await deps.outbox().requeue(parseId(id, 'message'), { force: confirmUncertain === true });
        void flush();
        return outboxItem(entry);
      },
      'outbox.cancel': async ({ id }) => {
        const entry = await deps.outbox().cancel(parseId(id, 'message'));
        void changed();
        return { cancelled: entry.state === 'cancelled' };
      },
    },
    flush,
    idle: async () => {
      await running;
    },
  };
}
