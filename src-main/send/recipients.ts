// Checks made before a message is even queued (no network): every recipient is a valid address
// whose domain is in the liste blanche (the MSSanté trust space: the operator would refuse the
// others), and the sender is the mailbox of the card (or certificate) that authenticates.
import { X509Certificate } from 'node:crypto';
import { AppError } from '../errors/index.js';
import type { RecipientCheck } from '../trust/index.js';
import type { ComposeAddress } from './compose.js';

/** What the checks need from the trust module (TrustContext implements it). */
export interface RecipientPolicy {
  isAddressInTrustSpace(address: string): RecipientCheck;
  /** false when no liste blanche was imported: nothing can be checked */
  readonly hasListeBlanche: boolean;
}

export interface RecipientProblem {
  address: string;
  reason: 'syntax' | 'outside_trust_space';
}

/** Pure: the problems of a recipient list (empty when every address may be sent to). */
function recipientProblems(addresses: readonly string[], policy: RecipientPolicy): RecipientProblem[] {
  const problems: RecipientProblem[] = [];
  for (const address of addresses) {
    const check = policy.isAddressInTrustSpace(address);
    if (!check.syntaxValid) problems.push({ address, reason: 'syntax' });
    else if (!check.inTrustSpace) problems.push({ address, reason: 'outside_trust_space' });
  }
  return problems;
}

/** French explanation of each refused address, for the CLI and the compose window. */
export function recipientProblemsFr(problems: readonly RecipientProblem[]): string[] {
  return problems.map((p) =>
    p.reason === 'syntax'
      ? `« ${p.address} » n’est pas une adresse valide.`
      : `« ${p.address} » : le domaine ${p.address.slice(p.address.lastIndexOf('@') + 1)} n’appartient pas à l’espace de confiance MSSanté (absent de la liste blanche).`,
  );
}

/**
 * Throws when a recipient may not be sent to. Returns the canonical addresses (same order).
 * Syntax errors win over trust-space errors: the user fixes typing first.
 */
export function assertRecipients(addresses: readonly ComposeAddress[], policy: RecipientPolicy): ComposeAddress[] {
  if (addresses.length === 0) throw new AppError('SEND_NO_RECIPIENT', 'no recipient');
  const list = addresses.map((a) => a.address);
  const problems = recipientProblems(list, policy);
  if (problems.some((p) => p.reason === 'syntax')) {
    throw new AppError('SEND_RECIPIENT_INVALID', 'invalid recipient address', { data: { problems } });
  }
  if (problems.length && !policy.hasListeBlanche) {
    throw new AppError('SEND_LISTE_BLANCHE_MISSING', 'no liste blanche imported: recipients cannot be checked', { data: { problems } });
  }
  if (problems.length) throw new AppError('SEND_RECIPIENT_OUTSIDE_TRUST_SPACE', 'recipient outside the MSSanté trust space', { data: { problems } });
  return addresses.map((a) => ({ ...a, address: policy.isAddressInTrustSpace(a.address).normalised ?? a.address }));
}

/**
 * The sender must be the authenticating mailbox: `certificateAddresses` are the rfc822Name
 * values of the card / certificate (empty when it names none: then the account address given at
 * `account add` is trusted, the server checks it anyway).
 */
export function assertSender(from: string, accountAddress: string, certificateAddresses: readonly string[] = []): void {
  const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  if (!same(from, accountAddress) || (certificateAddresses.length > 0 && !certificateAddresses.some((c) => same(c, from)))) {
    throw new AppError('SEND_SENDER_MISMATCH', 'sender is not the mailbox of the authenticating card or certificate', { data: { from, accountAddress } });
  }
}

/** The trust module's context as a recipient policy. */
export function recipientPolicyOf(trust: { isAddressInTrustSpace(address: string): RecipientCheck; versions: { listeBlanche: unknown } }): RecipientPolicy {
  return { isAddressInTrustSpace: (a) => trust.isAddressInTrustSpace(a), hasListeBlanche: trust.versions.listeBlanche !== null };
}

/** The rfc822Name (e-mail) values of a certificate's subjectAltName: the card holder's mailbox. */
export function certificateMailboxes(der: Buffer): string[] {
  let san: string | undefined;
  try {
    san = new X509Certificate(der).subjectAltName;
  } catch {
    return [];
  }
  return (san ?? '')
    .split(/,\s*/)
    .filter((v) => v.startsWith('email:'))
    .map((v) => v.slice('email:'.length).toLowerCase());
}

/**
 * Recipients outside the trust space that the user confirmed one by one for this message
 * (as typed), when the clinic setting allows it. Returns [] when there is none, or when another
 * problem (syntax, no liste blanche) must be reported first by assertRecipients. Throws
 * SEND_RECIPIENT_OUTSIDE_TRUST_SPACE when the setting is 'block' or one of them is not confirmed.
 */
export function confirmedOutsideRecipients(
  addresses: readonly ComposeAddress[],
  policy: RecipientPolicy,
  confirmed: readonly string[],
  setting: 'block' | 'confirm',
): string[] {
  const problems = recipientProblems(addresses.map((a) => a.address), policy);
  const outside = problems.filter((p) => p.reason === 'outside_trust_space');
  if (!outside.length || !policy.hasListeBlanche || problems.some((p) => p.reason === 'syntax')) return [];
  if (setting === 'block') {
    throw new AppError('SEND_RECIPIENT_OUTSIDE_TRUST_SPACE', 'recipients outside the trust space are forbidden by the clinic setting', { data: { problems: outside, setting } });
  }
  const ok = new Set(confirmed.map((a) => a.trim().toLowerCase()));
  const missing = outside.filter((p) => !ok.has(p.address.trim().toLowerCase()));
  if (missing.length) throw new AppError('SEND_RECIPIENT_OUTSIDE_TRUST_SPACE', 'recipient outside the trust space not confirmed', { data: { problems: missing, unconfirmed: true } });
  return outside.map((p) => p.address);
}

/**
 * The whole recipient check with the outside-trust-space override (window and CLI alike): the
 * canonical addresses, and the outside ones the user confirmed (to be journalled, lower case). Without a
 * setting, outside recipients are refused as before.
 */
export function checkRecipientsWithOverride(
  addresses: readonly ComposeAddress[],
  policy: RecipientPolicy,
  override?: { confirmed: readonly string[]; setting: 'block' | 'confirm' },
): { checked: ComposeAddress[]; outside: string[] } {
  const outside = override ? confirmedOutsideRecipients(addresses, policy, override.confirmed, override.setting) : [];
  // as they are sent (assertRecipientsExcept), not as typed: the journal names the real mailbox
  return { checked: assertRecipientsExcept(addresses, policy, outside), outside: outside.map((a) => a.trim().toLowerCase()) };
}

/** assertRecipients for every recipient but the confirmed outside ones (kept as typed, same order). */
export function assertRecipientsExcept(addresses: readonly ComposeAddress[], policy: RecipientPolicy, confirmedOutside: readonly string[]): ComposeAddress[] {
  if (!confirmedOutside.length) return assertRecipients(addresses, policy);
  const skip = new Set(confirmedOutside.map((a) => a.trim().toLowerCase()));
  const inside = addresses.filter((a) => !skip.has(a.address.trim().toLowerCase()));
  const checked = inside.length ? assertRecipients(inside, policy) : [];
  let i = 0;
  return addresses.map((a) => (skip.has(a.address.trim().toLowerCase()) ? { ...a, address: a.address.trim().toLowerCase() } : checked[i++]!));
}
