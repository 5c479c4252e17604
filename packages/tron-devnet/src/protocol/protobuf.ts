/**
 * A minimal protobuf wire codec (varint and length-delimited fields only, which is all TRON's
 * transaction, contract and block-header messages use). int64 values are bigint so amounts above
 * 2^53 (BTT supply is 9.9e17) survive; the generated jspb classes in TronWeb read int64 as doubles.
 *
 * Every broadcast is re-encoded from its JSON (java-tron ignores raw_data_hex), so the writer is on
 * the hot path: it appends into one growing buffer and writes varints below 2^53 with number
 * arithmetic, falling back to bigint only for larger or negative values.
 */

const TWO_POW_64 = 1n << 64n;

export class ProtoWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned varint of a non-negative safe integer. */
  private uint(n: number): void {
    this.reserve(8);
    const buf = this.buf;
    let pos = this.pos;
    while (n >= 0x80) {
      buf[pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** Varint of any int64 (negative values as their 64-bit two's complement, 10 bytes). */
  private big(input: bigint): void {
    let x = input < 0n ? input + TWO_POW_64 : input;
    this.reserve(10);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) b |= 0x80;
      this.buf[this.pos++] = b;
    } while (x !== 0n);
  }

  private raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Field with wire type 0. Proto3: zero is the default and is not written. */
  varint(field: number, value: bigint | number | boolean): this {
    if (typeof value === "boolean") {
      if (!value) return this;
      this.uint(field << 3);
      this.uint(1);
      return this;
    }
    if (typeof value === "number") {
      if (value === 0) return this;
      if (value > 0 && Number.isSafeInteger(value)) {
        this.uint(field << 3);
        this.uint(value);
        return this;
      }
      value = BigInt(value); // throws on fractions, as before
    }
    if (value === 0n) return this;
    this.uint(field << 3);
    if (value > 0n && value <= 9_007_199_254_740_991n) this.uint(Number(value));
    else this.big(value);
    return this;
  }

  /** Field with wire type 2. Proto3: an empty byte string is not written. */
  bytes(field: number, value: Uint8Array | undefined): this {
    if (!value || value.length === 0) return this;
    this.uint((field << 3) | 2);
    this.uint(value.length);
    this.raw(value);
    return this;
  }

  /** An embedded message is written even when empty only if `always` (repeated entries). */
  message(field: number, value: Uint8Array, always = false): this {
    if (value.length === 0 && !always) return this;
    this.uint((field << 3) | 2);
    this.uint(value.length);
    this.raw(value);
    return this;
  }

  /**
   * Starts an embedded message written in place (no intermediate buffer): write its fields, then
   * call `end` with the returned mark, which inserts the length once it is known.
   */
  begin(field: number): number {
    this.uint((field << 3) | 2);
    return this.pos;
  }

  /** Closes the message begun at `mark`; an empty one is dropped unless `always` (repeated entries). */
  end(field: number, mark: number, always = false): this {
    const length = this.pos - mark;
    if (length === 0 && !always) {
      this.pos = mark - varintSize((field << 3) | 2);
      return this;
    }
    const prefix = varintSize(length);
    this.reserve(prefix);
    this.buf.copyWithin(mark + prefix, mark, this.pos);
    const end = this.pos + prefix;
    this.pos = mark;
    this.uint(length);
    this.pos = end;
    return this;
  }

  string(field: number, value: string | undefined): this {
    if (!value) return this;
    const length = Buffer.byteLength(value, "utf8");
    this.uint((field << 3) | 2);
    this.uint(length);
    this.reserve(length);
    this.pos += this.buf.write(value, this.pos, length, "utf8");
    return this;
  }

  /** The bytes written so far, without a copy (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The message bytes (an exact-size copy: the writer's buffer is scratch). */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

/** Bytes a length-delimited field of `length` bytes takes (tag below 16 included). */
export function delimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
}

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

export function encodeVarint(input: bigint): Buffer {
  // Negative int64 values are written as their 64-bit two's complement (10 bytes), like protobuf.
  let x = input < 0n ? input + TWO_POW_64 : input;
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

/** Varint at `start`: [value, next position]. Up to 4 bytes in number arithmetic, then bigint. */
function readVarint(buf: Buffer, start: number): [bigint, number] {
  let small = 0;
  let pos = start;
  for (let i = 0; i < 4; i++) {
    const b = buf[pos];
    if (b === undefined) throw new ProtoDecodeError("truncated varint");
    pos++;
    small += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [BigInt(small), pos];
  }
  let x = BigInt(small);
  let shift = 28n;
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

/** Varint known to be small (keys, lengths): a number. */
function readLength(buf: Buffer, start: number): [number, number] {
  const b = buf[start];
  if (b !== undefined && b < 0x80) return [b, start + 1];
  const [value, next] = readVarint(buf, start);
  return [Number(value), next];
}

/** Splits a message into its fields, in wire order. */
export function readFields(input: Uint8Array): ProtoField[] {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const out: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readLength(buf, pos);
    pos = afterKey;
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0) throw new ProtoDecodeError("field number 0");
    if (wireType === 0) {
      const [value, next] = readVarint(buf, pos);
      pos = next;
      out.push({ field, wireType, value });
    } else if (wireType === 2) {
      const [len, next] = readLength(buf, pos);
      const end = next + len;
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
