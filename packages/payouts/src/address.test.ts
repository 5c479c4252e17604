import { toBase58Address, toHexAddress } from "@btt/shared/tron";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase58Address, encodeBase58Address, isPayableAddress } from "./address.js";

const body = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => Buffer.concat([Buffer.from([0x41]), b]));

describe("base58 addresses", () => {
  it("decode and encode agree with the shared TronWeb-based helpers", () => {
    fc.assert(
      fc.property(body, (bytes) => {
        const base58 = toBase58Address(bytes.toString("hex"));
        expect(encodeBase58Address(bytes)).toBe(base58);
        expect(decodeBase58Address(base58)?.toString("hex")).toBe(toHexAddress(base58));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a wrong checksum, a wrong prefix, hex and junk", () => {
    const good = "TF5Bn4cJCT6GVeUgyCN4rBhDg42KBrpAjg";
    expect(isPayableAddress(good)).toBe(true);
    expect(isPayableAddress(`${good.slice(0, 33)}h`)).toBe(false);
    expect(isPayableAddress("4137fa1a56eb8c503624701d776d95f6dae1d9f0d6")).toBe(false);
    expect(isPayableAddress("T0000000000000000000000000000000000")).toBe(false);
    expect(isPayableAddress("")).toBe(false);
    expect(isPayableAddress(42)).toBe(false);
    // a valid base58check string whose first byte is not 0x41
    expect(isPayableAddress("1BoatSLRHtKNngkdXEeobR76b53LETtpyT")).toBe(false);
  });
});
