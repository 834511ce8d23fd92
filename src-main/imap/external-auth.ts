// IMAP AUTHENTICATE EXTERNAL (RFC 4422 appendix A) for imapflow, which only knows PLAIN, LOGIN
// and OAuth. The identity is the client certificate of the TLS channel; the optional
// authorisation identity (a delegated mailbox) goes in the SASL response, empty otherwise.
//
// This overrides imapflow's internal authenticate(): it relies on internals (exec, write,
// capabilities, setAuthenticationState), so imapflow is pinned (2.10.2 in package.json) and the
// override is tested for both a success and a tagged NO.
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { AppError } from '../errors/index.js';

/** The imapflow internals this override uses (not in its public typings). */
interface ImapFlowInternals {
  state: unknown;
  states: { LOGOUT: unknown; NOT_AUTHENTICATED: unknown };
  capabilities: Map<string, boolean | number>;
  expectCapabilityUpdate: boolean;
  authenticated: string | boolean;
  exec(command: string, attributes: { type: 'ATOM'; value: string; sensitive?: boolean }[], options?: { onPlusTag?: (resp: unknown) => Promise<void> }): Promise<{ next(): void }>;
  write(chunk: string): void;
  setAuthenticationState(): Promise<void>;
}

export interface ExternalImapFlowOptions extends Omit<ImapFlowOptions, 'auth'> {
  /** authorisation identity (a mailbox the certificate holder is delegated to); empty: the certificate's own */
  authorizationId?: string;
}

export class ExternalImapFlow extends ImapFlow {
  private readonly authorizationId: string;

  constructor(options: ExternalImapFlowOptions) {
    const { authorizationId, ...rest } = options;
    // imapflow wants an `auth` object to exist; EXTERNAL never uses a password.
    super({ ...rest, auth: { user: authorizationId ?? '' } } as ImapFlowOptions);
    this.authorizationId = authorizationId ?? '';
  }

  /** @internal imapflow calls this once the session is (STARTTLS-)secured. */
  async authenticate(): Promise<boolean> {
    const self = this as unknown as ImapFlowInternals;
    if (self.state === self.states.LOGOUT) throw new AppError('IMAP_AUTH_FAILED', 'already logged out');
    if (self.state !== self.states.NOT_AUTHENTICATED) return true; // PREAUTH greeting
    if (!self.capabilities.has('AUTH=EXTERNAL')) {
      throw new AppError('IMAP_AUTH_FAILED', 'server does not offer AUTHENTICATE EXTERNAL (certificate login)', { data: { reason: 'no-external' } });
    }
    self.expectCapabilityUpdate = true;
    // RFC 4959: "=" is an empty initial response; without SASL-IR the answer goes after "+".
    const response = this.authorizationId ? Buffer.from(this.authorizationId, 'utf8').toString('base64') : '';
    const withInitialResponse = self.capabilities.has('SASL-IR');
    let answered = withInitialResponse;
    try {
      const reply = await self.exec('AUTHENTICATE', [{ type: 'ATOM', value: 'EXTERNAL' }, ...(withInitialResponse ? [{ type: 'ATOM' as const, value: response || '=' }] : [])], {
        onPlusTag: async () => {
          // a second challenge has no meaning for EXTERNAL: cancel (RFC 9051 §6.2.2)
          self.write(answered ? '*' : response);
          answered = true;
        },
      });
      reply.next();
    } catch (cause) {
      const serverText = cause instanceof Error ? ((cause as { responseText?: string }).responseText ?? cause.message) : String(cause);
      throw new AppError('IMAP_AUTH_FAILED', `AUTHENTICATE EXTERNAL refused: ${serverText}`, { cause, data: { serverText } });
    }
    self.authenticated = this.authorizationId || true;
    await self.setAuthenticationState();
    return true;
  }
}
