// « Écrire au patient » in the window: the patient comes from a received IHE_XDM.ZIP (its
// patient, read again here from the stored attachment) or from an INS typed with its four traits.
// Either way main evaluates the identity (xdm/ins-status.ts) — the renderer never says
// "qualified" — and the sending module's rules (send/patients.ts) build the address only from a
// qualified INS, as for `mssante send --to-patient`.
import { AppError, messageFr } from '../errors/index.js';
import type { PatientCheck, PatientSource } from '../ipc/contract.js';
import { patientAddress } from '../send/patients.js';
import { describeInsFr, evaluateIns, isXdmAttachment, readXdm, summarizeXdm, type PatientIdentity } from '../xdm/index.js';
import { formatIns } from '../xdm/summary.js';
import { parseId, type MailStorePort } from './mail-app.js';

export type PatientIdentityOf = (source: PatientSource) => Promise<Pick<PatientIdentity, 'qualified' | 'ins' | 'traits'> & { statusText: string }>;

/** The identity a patient source names; throws NOT_FOUND / INVALID_ARGUMENT for a part that is no IHE_XDM.ZIP. */
export function patientIdentityResolver(store: () => Pick<MailStorePort, 'getMessage' | 'getAttachmentContent'>): PatientIdentityOf {
  return async (source) => {
    if (source.source === 'typed') {
      const p = evaluateIns({
        ids: [{ id: source.ins.replace(/\s+/g, ''), ...(source.oid.trim() ? { oid: source.oid.trim() } : {}) }],
        birthName: source.birthName,
        firstGivenName: source.firstGivenName,
        birthDate: source.birthDate,
        sex: source.sex,
      });
      return { ...p, statusText: describeInsFr(p) };
    }
    const message = await store().getMessage(parseId(source.messageId, 'message'));
    const part = message.attachments.find((a) => String(a.id) === source.partId);
    if (!part) throw new AppError('NOT_FOUND', 'no such attachment in this message');
    if (!isXdmAttachment(part.filename ?? undefined)) throw new AppError('INVALID_ARGUMENT', 'this attachment is not an IHE_XDM.ZIP');
    const summary = summarizeXdm(readXdm(await store().getAttachmentContent(part.id)));
    // an archive whose documents do not match their metadata gives no address: its patient is not to be trusted
    const altered = summary.documents.some((d) => d.integrity === 'mismatch' || d.integrity === 'missing');
    if (!altered) return summary.patient;
    return { ...summary.patient, qualified: false, statusText: `${summary.patient.statusText}, sur un document dont l’intégrité n’est pas garantie` };
  };
}

/** The compose.patient answer: an address only for a qualified INS; otherwise the French reason. */
export function patientCheck(identity: Awaited<ReturnType<PatientIdentityOf>>, patientDomain: string): PatientCheck {
  const t = identity.traits;
  const name = [t.firstGivenName, t.birthName].filter(Boolean).join(' ');
  const base = { qualified: identity.qualified, statusText: identity.statusText, ...(name ? { name } : {}), ...(identity.ins ? { insShown: formatIns(identity.ins) } : {}) };
  try {
    return { ...base, address: patientAddress(identity, patientDomain).address };
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'SEND_PATIENT_NOT_QUALIFIED') throw err;
    return { ...base, qualified: false, refusal: `${identity.statusText}. ${messageFr('SEND_PATIENT_NOT_QUALIFIED')}` };
  }
}
