// Delivery status notifications requested at submission (RFC 3461): NOTIFY=SUCCESS,FAILURE and
// ORCPT on every RCPT TO, ENVID and RET=HDRS on MAIL FROM — only when the server's EHLO offers DSN
// (nodemailer checks that itself).
//
// Why a small hook into nodemailer: its `dsn` option takes ONE ORCPT for all recipients, while
// RFC 3461 §4.2 wants each recipient's own address there (that is what the reports echo back as
// Original-Recipient, and what we link a report to). The hook gives each RCPT TO the address it
// carries when the envelope asks for it with the ORCPT_EACH marker; any other use of nodemailer is
// untouched. Nothing else on npm submits over a socket we hand in (our TLS client).
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { DSN_NOTIFY, DSN_RETURN } from '../rules/messaging.js';


/** nodemailer turns the `recipient` "*" into this ORCPT; the hook replaces it per recipient. */
const ORCPT_EACH = 'rfc822;*';

interface ConnectionInternals {
  _envelope?: { dsn?: { orcpt?: string | null } } | false;
  _recipientQueue: string[];
  _getDsnRcptToArgs(): string;
}

let installed = false;
function installOrcptHook(): void {
  if (installed) return;
  installed = true;
  const proto = (SMTPConnection as unknown as { prototype: ConnectionInternals }).prototype;
  const original = proto._getDsnRcptToArgs;
  proto._getDsnRcptToArgs = function (this: ConnectionInternals): string {
    const dsn = this._envelope ? this._envelope.dsn : undefined;
    if (!dsn || dsn.orcpt !== ORCPT_EACH) return original.call(this);
    // RCPT TO is sent right after its address is queued: the last one is this command's
    dsn.orcpt = `rfc822;${this._recipientQueue[this._recipientQueue.length - 1] ?? ''}`;
    try {
      return original.call(this);
    } finally {
      dsn.orcpt = ORCPT_EACH;
    }
  };
}

export interface DsnRequest {
  /** ENVID: identifies our submission in every report (xtext-encoded by nodemailer) */
  id: string;
  return: typeof DSN_RETURN;
  notify: string[];
  /** "*": each recipient's own address as ORCPT (see above) */
  recipient: '*';
}

/** The nodemailer `dsn` option for one submission. */
export function dsnRequest(envelopeId: string): DsnRequest {
  installOrcptHook();
  return { id: envelopeId, return: DSN_RETURN, notify: [...DSN_NOTIFY], recipient: '*' };
}
