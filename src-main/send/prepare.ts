// From what the user wrote to the bytes the outbox keeps: reply/forward fields, recipient checks,
// the XDM parts, the MIME, the size check. No network, no card: the CLI and the app call this
// before `Outbox.add`, so a refused message never reaches the queue.
import { AppError } from '../errors/index.js';
import type { MessageDetail } from '../store/types.js';
import { xdmMailParts, type XdmAuthor } from '../xdm/index.js';
import { composeMessage, type ComposeAddress, type ComposeAttachment, type ComposedMessage } from './compose.js';
import { assertMessageSize, type SizeLimit } from './limits.js';
import { checkPatientRules, patientAddress, patientSizeLimit } from './patients.js';
import { PRODUCT_NIL } from '../rules/messaging.js';
import { mssHeaders } from '../xdm/mss-headers.js';
import type { PatientIdentity } from '../xdm/ins-status.js';
import { checkRecipientsWithOverride, type RecipientPolicy } from './recipients.js';
import { replyFields, type ReplyFields, type ReplyMode } from './reply.js';

export interface OutgoingDraft {
  /** empty for a reply: the original's author (and, for reply-all, its other recipients) */
  to: readonly ComposeAddress[];
  cc: readonly ComposeAddress[];
  bcc: readonly ComposeAddress[];
  /** default: "RE : …" / "TR : …" for a reply or forward, the ANS subject for an XDM */
  subject?: string;
  text: string;
  html?: string;
  attachments: readonly ComposeAttachment[];
  readReceipt?: boolean;
  /** the stored message answered or forwarded; a forward attaches `raw` whole (message/rfc822) */
  original?: { message: MessageDetail; raw: Buffer; mode: ReplyMode };
  /** threading given by the caller (e.g. a compose.template draft) when there is no `original` */
  inReplyTo?: string;
  references?: readonly string[];
  /** an IHE_XDM.ZIP built from this CDA (and its PDF), authored by the card holder */
  xdm?: { cdaXml: Uint8Array; author: XdmAuthor; patientIns?: string };
  /**
   * "Écrire au patient": the patient identity (from the XDM/CDA, or typed with its traits); the
   * address is built here, only from a qualified INS (patients.ts)
   */
  patient?: Pick<PatientIdentity, 'qualified' | 'ins' | 'traits'>;
  /** `patient.mssante.fr` unless a test platform says otherwise */
  patientDomain?: string;
  /** the user confirmed a patient and professionals in the same message */
  mixedConfirmed?: boolean;
  /** "message de fin de traitement" (X-MSS-MES: FIN), towards a patient only */
  endOfTreatment?: boolean;
  /** X-MSS-NIL value; default: the build setting (rules/messaging.ts PRODUCT_NIL) */
  productNil?: string;
}

export interface PreparedMessage {
  message: ComposedMessage;
  /** store row of the answered message (mark it \Answered once sent) */
  replyToRow: number | null;
  /** recipients outside the trust space the user confirmed one by one (journalled by the caller) */
  outside: string[];
}

const safeFilename = (s: string) => s.replace(/[\\/:*?"<>|\r\n]+/g, ' ').trim().slice(0, 80) || 'message';

/**
 * `checkRecipients: false` for a draft saved unfinished (checked again when it is sent).
 * `outside`: the recipients outside the trust space confirmed one by one, and the clinic setting
 * (send/recipients.ts confirmedOutsideRecipients); without it they are refused.
 */
export async function prepareOutgoing(
  from: ComposeAddress,
  draft: OutgoingDraft,
  policy: RecipientPolicy,
  limit: SizeLimit,
  opts: { checkRecipients?: boolean; outside?: { confirmed: readonly string[]; setting: 'block' | 'confirm' } } = {},
): Promise<PreparedMessage> {
  let text = draft.text;
  const attachments = [...draft.attachments];
  let reply: ReplyFields | undefined;
  if (draft.original) {
    reply = replyFields(draft.original.message, draft.original.mode, from.address);
    text = `${text}\n\n${reply.quoted}\n`;
    if (draft.original.mode === 'forward') {
      attachments.push({ filename: `${safeFilename(draft.original.message.subject ?? 'message')}.eml`, contentType: 'message/rfc822', content: draft.original.raw });
    }
  }
  const to = draft.to.length ? [...draft.to] : (reply?.to ?? []);
  const cc = draft.cc.length ? [...draft.cc] : (reply?.cc ?? []);
  const bcc = [...draft.bcc];
  // patient rules before anything else: a refused patient message never builds an address
  const patient = draft.patient ? patientAddress(draft.patient, draft.patientDomain) : undefined;
  const { toPatient } = checkPatientRules({
    typed: [...to, ...cc, ...bcc],
    ...(patient ? { patient } : {}),
    ...(draft.patientDomain ? { patientDomain: draft.patientDomain } : {}),
    mixedConfirmed: Boolean(draft.mixedConfirmed),
    endOfTreatment: Boolean(draft.endOfTreatment),
  });
  if (patient) to.unshift(patient);
  const { checked, outside } = opts.checkRecipients === false ? { checked: [...to, ...cc, ...bcc], outside: [] } : checkRecipientsWithOverride([...to, ...cc, ...bcc], policy, opts.outside);
  const canonical = (list: ComposeAddress[], offset: number) => list.map((a, i) => ({ ...a, address: checked[offset + i]!.address }));

  let subject = draft.subject ?? reply?.subject;
  if (draft.xdm) {
    const parts = xdmMailParts({
      cdaXml: draft.xdm.cdaXml,
      author: draft.xdm.author,
      recipients: checked.map((a) => a.address),
      ...(draft.xdm.patientIns ? { patientIns: draft.xdm.patientIns } : {}),
    });
    subject ??= parts.subject;
    attachments.push(...parts.attachments);
  }
  if (subject === undefined) throw new AppError('INVALID_ARGUMENT', 'a subject is required', { data: { field: 'subject' } });

  const message = await composeMessage({
    from,
    to: canonical(to, 0),
    cc: canonical(cc, to.length),
    bcc: canonical(bcc, to.length + cc.length),
    subject,
    text,
    ...(draft.html !== undefined ? { html: draft.html } : {}),
    attachments,
    ...(reply?.inReplyTo ? { inReplyTo: reply.inReplyTo } : draft.inReplyTo ? { inReplyTo: draft.inReplyTo } : {}),
    ...(reply?.references.length ? { references: reply.references } : draft.references?.length ? { references: draft.references } : {}),
    readReceipt: Boolean(draft.readReceipt),
    // ECO.2.4.x: derived from the attachments themselves (xdm/mss-headers.ts), never typed
    headers: mssHeaders(attachments, { productNil: draft.productNil ?? PRODUCT_NIL, endOfTreatment: toPatient && Boolean(draft.endOfTreatment) }),
  });
  assertMessageSize(message.raw.length, toPatient ? patientSizeLimit(limit) : limit);
  return { message, replyToRow: draft.original && draft.original.mode !== 'forward' ? draft.original.message.id : null, outside };
}
