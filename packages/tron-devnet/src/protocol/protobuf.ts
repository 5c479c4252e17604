/**
 * A minimal protobuf wire codec (varint and length-delimited fields only, which is all TRON's
 * transaction, contract and block-header messages use). int64 values are bigint so amounts above
 * 2^53 (BTT supply is 9.9e17) survive; the generated jspb classes in TronWeb read int64 as doubles.
 */

export class ProtoWriter {
  private readonly chunks: Buffer[] = [];

  private push(bytes: Buffer): void {
    this.chunks.push(bytes);
  }

  /** Field with wire type 0. Proto3: zero is the default and is not written. */
  varint(field: number, value: bigint | number | boolean): this {
    const v = typeof value === "boolean" ? (value ? 1n : 0n) : BigInt(value);
    if (v === 0n) return this;
    this.push(encodeVarint(BigInt((field << 3) | 0)));
    this.push(encodeVarint(v));
    return this;
  }

  /** Field with wire type 2. Proto3: an empty byte string is not written. */
  bytes(field: number, value: Uint8Array | undefined): this {
    if (!value || value.length === 0) return this;
    this.push(encodeVarint(BigInt((field << 3) | 2)));
    this.push(encodeVarint(BigInt(value.length)));
    this.push(Buffer.from(value));
    return this;
  }

  /** An embedded message is written even when empty only if `always` (repeated entries). */
  message(field: number, value: Uint8Array, always = false): this {
    if (value.length === 0 && !always) return this;
    this.push(encodeVarint(BigInt((field << 3) | 2)));
    this.push(encodeVarint(BigInt(value.length)));
    this.push(Buffer.from(value));
    return this;
  }

  string(field: number, value: string | undefined): this {
    return this.bytes(field, value ? Buffer.from(value, "utf8") : undefined);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function encodeVarint(input: bigint): Buffer {
  // Negative int64 values are written as their 64-bit two's complement (10 bytes), like protobuf.
  let x = input < 0n ? input + (1n << 64n) : input;
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return Buffer.from(out);
}

export interface ProtoField {
  field: number;
  wireType: number;
  /** wire type 0 */
  value?: bigint;
  /** wire types 1, 2 and 5 */
  bytes?: Buffer;
}

export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtoDecodeError";
  }
}

function readVarint(buf: Buffer, start: number): [bigint, number] {
  let x = 0n;
  let shift = 0n;
  let pos = start;
  for (;;) {
    const b = buf[pos];
    if (b === undefined) throw new ProtoDecodeError("truncated varint");
    pos++;
    x |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
    if (shift > 63n) throw new ProtoDecodeError("varint too long");
  }
  return [x, pos];
}

/** Splits a message into its fields, in wire order. */
export function readFields(input: Uint8Array): ProtoField[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const out: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) throw new ProtoDecodeError("field number 0");
    if (wireType === 0) {
      const [value, next] = readVarint(buf, pos);
      pos = next;
      out.push({ field, wireType, value });
    } else if (wireType === 2) {
      const [len, next] = readVarint(buf, pos);
      const end = next + Number(len);
      if (end > buf.length) throw new ProtoDecodeError("truncated length-delimited field");
      out.push({ field, wireType, bytes: buf.subarray(next, end) });
      pos = end;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (pos + size > buf.length) throw new ProtoDecodeError("truncated fixed field");
      out.push({ field, wireType, bytes: buf.subarray(pos, pos + size) });
      pos += size;
    } else {
      throw new ProtoDecodeError(`unsupported wire type ${wireType}`);
    }
  }
  return out;
}

/** int64 read back from a varint (two's complement above 2^63). */
export function toInt64(value: bigint): bigint {
  return value >= 1n << 63n ? value - (1n << 64n) : value;
}
