// The card as a TLS client-authentication signer (the TLS module's Signer,
// src-main/tls/signer.ts): certificate chain, TLS SignatureScheme codes,
// sign(scheme, data) hashing as the scheme says.
import { AppError } from '../errors/index.js';
import type { Signer } from '../tls/signer.js';
import type { CardSession } from './card-service.js';
import { planSignature, supportedSchemes } from './signature-schemes.js';

export interface CardSignerOptions {
  /** Intermediate CA certificates (DER) sent after the leaf; cards usually hold the leaf only. */
  intermediates?: Buffer[];
  /**
   * Asked for the PIN when the key demands it for every signature
   * (CKA_ALWAYS_AUTHENTICATE). Not called on pinpad readers. Without it such a
   * key fails with CARD_PIN_REQUIRED.
   */
  pinForSignature?: () => Promise<Buffer | null>;
}

export class CardSigner implements Signer {
  // One signature at a time per session (CKR_OPERATION_ACTIVE otherwise).
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: CardSession,
    private readonly options: CardSignerOptions = {},
  ) {}

  async certificateChain(): Promise<Buffer[]> {
    return [Buffer.from(this.session.certificateDer), ...(this.options.intermediates ?? [])];
  }

  async supportedSchemes(): Promise<number[]> {
    return supportedSchemes(this.session.mechanisms);
  }

  sign(scheme: number, data: Buffer): Promise<Buffer> {
    const run = async (): Promise<Buffer> => {
      if (this.session.ended) throw new AppError('CARD_REMOVED', 'card session has ended');
      const plan = planSignature(scheme, data, this.session.mechanisms);
      const needsPin = this.session.alwaysAuthenticate && !this.session.token.pin?.protectedPath;
      const pin = needsPin && this.options.pinForSignature ? await this.options.pinForSignature() : null;
      return Buffer.from(await this.session.sign(plan, pin));
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
