// What a delivery status notification (RFC 3464) says, as the store records it. Parsed by
// xdm/dsn.ts and recognised on the sync write path by the `receipts` store hook
// (app/store-hooks.ts), so the store never imports xdm/.
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface DsnRecipient {
  /** ORCPT as we gave it, else the final recipient */
  recipient: string;
  originalRecipient?: string;
  finalRecipient?: string;
  action: DsnAction;
  /** RFC 3463 enhanced status, e.g. "5.1.1" */
  status?: string;
  /** the remote server's words ("smtp; 550 5.1.1 …") */
  diagnostic?: string;
  /** Last-Attempt-Date, ms */
  at?: number;
}

export interface ParsedDsn {
  /** Original-Envelope-Id: our ENVID */
  envelopeId?: string;
  /** Message-ID of the returned headers, "<…>" */
  originalMessageId?: string;
  reportingMta?: string;
  /** Date of the report, ms */
  date?: number;
  recipients: DsnRecipient[];
}
