// Byte-level reading and writing of TLS structures (RFC 5246 §4 presentation language).
// A short read is a malformed message: it throws a decode_error TlsFailure.
import { TlsFailure } from './failure.js';
import { Alert } from './constants.js';

export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private take(n: number): Buffer {
    if (n > this.remaining) throw decodeError(`${this.what}: truncated`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u8(): number {
    return this.take(1).readUInt8(0);
  }
  u16(): number {
    return this.take(2).readUInt16BE(0);
  }
  u24(): number {
    return this.take(3).readUIntBE(0, 3);
  }
  bytes(n: number): Buffer {
    return this.take(n);
  }
  /** opaque<..2^8-1> */
  vec8(): Buffer {
    return this.take(this.u8());
  }
  /** opaque<..2^16-1> */
  vec16(): Buffer {
    return this.take(this.u16());
  }
  /** opaque<..2^24-1> */
  vec24(): Buffer {
    return this.take(this.u24());
  }
  rest(): Buffer {
    return this.take(this.remaining);
  }
  /** Asserts the structure was consumed exactly: trailing bytes are a decode error too. */
  end(): void {
    if (this.remaining !== 0) throw decodeError(`${this.what}: ${this.remaining} unexpected trailing bytes`);
  }
}

function decodeError(detail: string): TlsFailure {
  return new TlsFailure('TLS_HANDSHAKE_FAILED', Alert.decode_error, detail);
}

export function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}
export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
export function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}
export function vec8(body: Buffer): Buffer {
  return Buffer.concat([u8(body.length), body]);
}
export function vec16(body: Buffer): Buffer {
  return Buffer.concat([u16(body.length), body]);
}
export function vec24(body: Buffer): Buffer {
  return Buffer.concat([u24(body.length), body]);
}
export function u16List(values: readonly number[]): Buffer {
  return Buffer.concat(values.map(u16));
}
