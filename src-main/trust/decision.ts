import { domainView } from './idn.js';
import { normaliseAddress, type NormalisedAddress } from './address.js';
import { isPatientDomain } from '../rules/messaging.js';
import { isValidInsMatricule } from '../rules/ins.js';
import type { AnnuaireEntry } from './annuaire/entry.js';
import { addressesInDisplayName, embedsName, looksLike, personName, sameName } from './names.js';
import type { DkimEvidence, TrustDecision, TrustIdentity, TrustInput, TrustLevel, TrustReason } from './types.js';

// The sender trust decision: a pure function of what the message says and of what the
// annuaire and the liste blanche say (already looked up into TrustInput). Rules:
//
//  base level, from the From address:
//    domain not in the liste blanche             → outside_trust_space
//    in the annuaire as PER / as another type    → verified_professional / verified_organization
//    otherwise                                   → trusted_domain_unknown_address
//  then what the message says can only LOWER it (a cap):
//    no From, several From, invalid From address → suspicious
//    display name containing another address     → suspicious
//    display name imitating an annuaire person (confusable letters, one-letter typo)
//                                                → suspicious
//    display name = another annuaire person's name, address not theirs
//                                                → suspicious outside the trust space,
//                                                  at most trusted_domain_unknown_address inside
//    Sender / envelope sender ≠ From: same domain → no change; other domain in the liste
//      blanche → at most trusted_domain_unknown_address; other domain outside → suspicious
//    DKIM fail for the From domain               → at most trusted_domain_unknown_address
//  DKIM pass aligned with the From domain is recorded as extra evidence (it never raises).

const RANK: Record<TrustLevel, number> = {
  suspicious: 0,
  outside_trust_space: 1,
  trusted_domain_unknown_address: 2,
  verified_organization: 3,
  verified_professional: 3,
};

export function lower(level: TrustLevel, cap: TrustLevel): TrustLevel {
  return RANK[cap] < RANK[level] ? cap : level;
}

function identityOf(entry: AnnuaireEntry): TrustIdentity {
  const structure = [entry.structureName, entry.tradeName].filter(Boolean).join(' — ') || null;
  return {
    address: entry.address,
    type: entry.type,
    name: personName(entry.firstName, entry.lastName) || structure || entry.address,
    civility: entry.civility,
    lastName: entry.lastName,
    firstName: entry.firstName,
    profession: entry.profession,
    specialty: entry.specialty,
    nationalId: entry.nationalId,
    nationalIdType: entry.nationalIdType,
    structure,
    city: entry.city,
    dematerialisation: entry.dematerialisation,
  };
}

/** DKIM d= aligned with the From domain (relaxed: same organisational suffix either way). */
function aligned(dkimDomain: string, fromDomain: string): boolean {
  const d = dkimDomain.toLowerCase();
  return d === fromDomain || fromDomain.endsWith('.' + d) || d.endsWith('.' + fromDomain);
}

export function dkimReason(dkim: readonly DkimEvidence[] | null | undefined, fromDomain: string): TrustReason {
  if (!dkim || dkim.length === 0 || dkim.every((d) => d.result === 'none')) {
    return { check: 'dkim', status: 'not_applicable', detail: 'absent' };
  }
  const forFrom = dkim.filter((d) => aligned(d.domain, fromDomain));
  if (forFrom.some((d) => d.result === 'pass')) return { check: 'dkim', status: 'passed', detail: 'aligned_pass' };
  if (forFrom.some((d) => d.result === 'fail')) return { check: 'dkim', status: 'failed', detail: 'aligned_fail' };
  if (dkim.some((d) => d.result === 'pass')) return { check: 'dkim', status: 'not_applicable', detail: 'pass_not_aligned' };
  // the signer's key could not be fetched (no network, DNS down) and no answer was cached
  if (forFrom.length > 0 && forFrom.every((d) => d.result === 'temperror')) return { check: 'dkim', status: 'not_applicable', detail: 'offline' };
  return { check: 'dkim', status: 'not_applicable', detail: 'unverifiable' };
}

type Comparison = { status: TrustReason['status']; detail: string; cap: TrustLevel | null };

/** Sender or envelope address compared with From. */
function compareWithFrom(other: string | null | undefined, from: NormalisedAddress, trusted: ReadonlySet<string>, isEnvelope: boolean): Comparison {
  if (other === undefined || other === null) return { status: 'not_applicable', detail: 'absent', cap: null };
  if (isEnvelope && (other.trim() === '' || other.trim() === '<>')) return { status: 'not_applicable', detail: 'bounce', cap: null };
  const n = normaliseAddress(other);
  if (!n) return { status: 'failed', detail: 'invalid_address', cap: 'suspicious' };
  if (n.address === from.address) return { status: 'passed', detail: 'same_address', cap: null };
  if (n.domain === from.domain) return { status: 'passed', detail: 'same_domain', cap: null };
  if (trusted.has(n.domain)) return { status: 'failed', detail: 'other_trusted_domain', cap: 'trusted_domain_unknown_address' };
  return { status: 'failed', detail: 'domain_outside_trust_space', cap: 'suspicious' };
}

export function decideSenderTrust(input: TrustInput): TrustDecision {
  const { message } = input;
  const trusted = new Set(input.trustedDomains);
  const reasons: TrustReason[] = [];
  const basis = input.basis;

  const fromFact = message.from.length === 1 ? message.from[0]! : null;
  const from = fromFact ? normaliseAddress(fromFact.address) : null;
  if (!fromFact || !from) {
    const detail = message.from.length === 0 ? 'absent' : message.from.length > 1 ? 'several' : 'invalid';
    reasons.push({ check: 'from_address', status: 'failed', detail });
    return { level: 'suspicious', reasons, identity: null, basis };
  }
  reasons.push({ check: 'from_address', status: 'passed' });
  // an internationalised domain mixing scripts, or a non-Latin one that reads as Latin, imitates another
  const idn = domainView(from.domain).verdict;
  const idnSpoof = idn === 'mixed_script' || idn === 'confusable';
  if (idn !== 'ascii') reasons.push({ check: 'idn_domain', status: idnSpoof ? 'failed' : 'passed', detail: idn });

  const inListe = trusted.has(from.domain);
  reasons.push({ check: 'domain_in_liste_blanche', status: inListe ? 'passed' : 'failed' });
  const entry = input.fromEntry && input.fromEntry.address === from.address ? input.fromEntry : null;
  reasons.push({ check: 'address_in_annuaire', status: entry ? 'passed' : 'failed' });
  if (entry) reasons.push({ check: 'mailbox_type', status: 'passed', detail: entry.type });

  let level: TrustLevel = !inListe
    ? 'outside_trust_space'
    : !entry
      ? 'trusted_domain_unknown_address'
      : entry.type === 'PER'
        ? 'verified_professional'
        : 'verified_organization';

  if (idnSpoof) level = lower(level, 'suspicious');

  // Display name: another address written in it, or the name of someone else.
  let imitated: TrustIdentity | undefined;
  const displayName = fromFact.displayName?.trim() ?? '';
  if (displayName === '') {
    reasons.push({ check: 'display_name', status: 'not_applicable', detail: 'absent' });
  } else {
    const otherAddress = addressesInDisplayName(displayName).find((a) => normaliseAddress(a)?.address !== from.address);
    const ownName = entry ? personName(entry.firstName, entry.lastName) : '';
    const isOwnName = ownName !== '' && (sameName(displayName, ownName) || embedsName(displayName, ownName, false));
    const other = isOwnName
      ? undefined
      : input.namesakes.find((p) => {
          const name = personName(p.firstName, p.lastName);
          return p.address !== from.address && p.type === 'PER' && (looksLike(displayName, name) || embedsName(displayName, name));
        });
    if (otherAddress) {
      reasons.push({ check: 'display_name', status: 'failed', detail: 'contains_other_address' });
      level = lower(level, 'suspicious');
    } else if (other) {
      imitated = identityOf(other);
      const otherName = personName(other.firstName, other.lastName);
      // the name itself, or the name with words around it ("Dr Jean DUPONT - CHU Brest")
      const literal = sameName(displayName, otherName) || embedsName(displayName, otherName, false);
      reasons.push({ check: 'display_name', status: 'failed', detail: literal ? 'name_of_other_professional' : 'imitates_professional' });
      level = lower(level, !literal || !inListe ? 'suspicious' : 'trusted_domain_unknown_address');
    } else {
      reasons.push({ check: 'display_name', status: 'passed', detail: isOwnName ? 'matches_annuaire' : 'no_conflict' });
    }
  }

  const sender = compareWithFrom(message.sender?.address, from, trusted, false);
  reasons.push({ check: 'sender_matches_from', status: sender.status, detail: sender.detail });
  if (sender.cap) level = lower(level, sender.cap);
  const envelope = compareWithFrom(message.envelopeFrom, from, trusted, true);
  reasons.push({ check: 'envelope_matches_from', status: envelope.status, detail: envelope.detail });
  if (envelope.cap) level = lower(level, envelope.cap);

  const dkim = dkimReason(message.dkim, from.domain);
  reasons.push(dkim);
  if (dkim.status === 'failed') level = lower(level, 'trusted_domain_unknown_address');

  // A patient (Mon espace santé, `<INS>@patient.mssante.fr`) is never a verified professional:
  // marked "Patient" with the name of the From header and the INS of the address.
  const patient = isPatientDomain(from.domain) ? patientFacts(from.address, displayName) : undefined;
  if (patient) level = lower(level, 'trusted_domain_unknown_address');

  return { level, reasons, identity: entry && !patient ? identityOf(entry) : null, ...(imitated ? { imitated } : {}), ...(patient ? { patient } : {}), basis };
}

function patientFacts(address: string, displayName: string): { ins: string | null; name: string | null } {
  const local = address.slice(0, address.lastIndexOf('@'));
  return { ins: isValidInsMatricule(local) ? local.toUpperCase() : null, name: displayName || null };
}
