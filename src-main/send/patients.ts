// Writing to patients (Mon espace santé), checked before the outbox (pure):
// - the address `<INS matricule>@<patient domain>` is built only from a QUALIFIED INS (matricule,
//   INS OID and the four traits, xdm/ins-status.ts); a typed patient-domain address is refused,
//   so a non-qualified identity never produces an address and its INS never leaves;
// - one patient per message (the patient's own mailbox, so a minor's own, never the parents');
// - a patient and professionals in the same message only when the user confirmed it;
// - 25 MB at most towards a patient; "fin de traitement" (X-MSS-MES) only towards a patient.
import { AppError } from '../errors/index.js';
import { PATIENT_DOMAIN, PATIENT_MAX_MESSAGE_BYTES, PATIENT_MAX_PER_MESSAGE, isPatientDomain } from '../rules/messaging.js';
import type { PatientIdentity } from '../xdm/ins-status.js';
import type { ComposeAddress } from './compose.js';
import type { SizeLimit } from './limits.js';

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

function isPatientAddress(address: string, patientDomain = PATIENT_DOMAIN): boolean {
  return address.includes('@') && isPatientDomain(domainOf(address), patientDomain);
}

/** The patient's MSSanté address, from a qualified identity only. */
export function patientAddress(identity: Pick<PatientIdentity, 'qualified' | 'ins' | 'traits'>, patientDomain = PATIENT_DOMAIN): ComposeAddress {
  if (!identity.qualified || !identity.ins) {
    throw new AppError('SEND_PATIENT_NOT_QUALIFIED', 'a patient address needs a qualified INS');
  }
  const t = identity.traits;
  const name = [t.firstGivenName, t.birthName].filter(Boolean).join(' ');
  return { address: `${identity.ins.toUpperCase()}@${patientDomain.toLowerCase()}`, ...(name ? { name } : {}) };
}

export interface PatientRecipientsInput {
  /** recipients the user typed (To, Cc, Bcc) */
  typed: readonly ComposeAddress[];
  /** the patient chosen with "Écrire au patient" (address built by patientAddress) */
  patient?: ComposeAddress;
  patientDomain?: string;
  /** the user confirmed a patient and professionals in the same message */
  mixedConfirmed?: boolean;
  endOfTreatment?: boolean;
}

/** Throws when a patient rule is broken; returns whether the message goes to a patient. */
export function checkPatientRules(input: PatientRecipientsInput): { toPatient: boolean } {
  const domain = input.patientDomain ?? PATIENT_DOMAIN;
  const typedPatients = input.typed.filter((a) => isPatientAddress(a.address, domain));
  if (typedPatients.length) {
    throw new AppError('SEND_PATIENT_RULE', 'a patient address must come from a qualified INS ("write to the patient")', {
      data: { rule: 'typed-patient-address', detailFr: 'Une adresse de patient ne se saisit pas : utilisez « Écrire au patient » (INS qualifiée).' },
    });
  }
  const patients = input.patient ? 1 : 0;
  if (patients > PATIENT_MAX_PER_MESSAGE) throw new AppError('SEND_PATIENT_RULE', 'one patient per message', { data: { rule: 'one-patient' } });
  if (input.endOfTreatment && !patients) {
    throw new AppError('SEND_PATIENT_RULE', 'end of treatment only towards a patient', { data: { rule: 'fin-without-patient' } });
  }
  if (patients && input.typed.length && !input.mixedConfirmed) {
    throw new AppError('SEND_PATIENT_MIXED', 'patient and professionals in the same message', { data: { professionals: input.typed.length } });
  }
  return { toPatient: patients > 0 };
}

/** The size limit towards a patient: never above 25 MB. */
export function patientSizeLimit(limit: SizeLimit): SizeLimit {
  return limit.maxBytes > PATIENT_MAX_MESSAGE_BYTES ? { maxBytes: PATIENT_MAX_MESSAGE_BYTES, source: 'patient' } : limit;
}
