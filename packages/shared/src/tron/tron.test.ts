import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { TronWeb } from "tronweb";
import { describe, expect, it } from "vitest";
import { SPEED_SIGNATURE_GOLDEN } from "../testing/golden.js";
import {
  AddressError,
  addressToBytes,
  canonicalJson,
  decodeBase58Address,
  encodeBase58Address,
  isBase58Address,
  isTronAddress,
  recoverMessageSigner,
  recoverMessageSignerWithTronWeb,
  signCommand,
  signMessage,
  TronAddress,
  toBase58Address,
  toHexAddress,
  verifyCommandSignature,
} from "./index.js";

// API.md, "Signature (fixed)".
const GOLDEN = SPEED_SIGNATURE_GOLDEN;

describe("addresses", () => {
  it("converts between base58 and 21-byte hex both ways", () => {
    expect(toHexAddress("TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw")).toBe(
      "417564105e977516c53be337314c7e53838967bdac",
    );
    expect(toBase58Address("417564105E977516C53BE337314C7E53838967BDAC")).toBe(
      "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw",
    );
    // TOKENOMICS.md: the BTT issuer and the black hole.
    expect(toBase58Address(toHexAddress("TF5Bn4cJCT6GVeUgyCN4rBhDg42KBrpAjg"))).toBe(
      "TF5Bn4cJCT6GVeUgyCN4rBhDg42KBrpAjg",
    );
    expect(isBase58Address("T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb")).toBe(true);
    expect(addressToBytes("TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw")).toHaveLength(21);
  });

  it.each([
    "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrx", // checksum broken
    "0x7564105e977516c53be337314c7e53838967bdac", // Ethereum form
    "417564105e977516c53be337314c7e53838967bd", // 20 bytes
    "",
    "T",
  ])("refuses %j", (input) => {
    expect(isTronAddress(input)).toBe(false);
    expect(() => toBase58Address(input)).toThrow(AddressError);
    expect(TronAddress.safeParse(input).success).toBe(false);
  });

  it("agrees with TronWeb for random keys", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const key = Buffer.from(seed).toString("hex");
        fc.pre(/[1-9a-f]/.test(key));
        const address = TronWeb.address.fromPrivateKey(key);
        fc.pre(typeof address === "string");
        expect(toBase58Address(toHexAddress(address as string))).toBe(address);
      }),
      { numRuns: 50 },
    );
  });

  it("decodes and encodes base58check exactly like TronWeb, and refuses what TronWeb refuses", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat(33), (body, flip) => {
        const hex = `41${Buffer.from(body).toString("hex")}`;
        const base58 = TronWeb.address.fromHex(hex);
        expect(encodeBase58Address(Buffer.from(hex, "hex"))).toBe(base58);
        expect(decodeBase58Address(base58)?.toString("hex")).toBe(hex);
        // one changed character: TronWeb and the decoder agree on validity
        const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const i = 1 + flip;
        const other = alphabet[(alphabet.indexOf(base58[i] as string) + 1) % 58] as string;
        const changed = base58.slice(0, i) + other + base58.slice(i + 1);
        expect(decodeBase58Address(changed) !== null).toBe(TronWeb.isAddress(changed));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("RFC 8785 canonical JSON", () => {
  it("sorts keys by code point with no whitespace", () => {
    expect(canonicalJson({ b: "1", a: "2", A: "3", é: "4" })).toBe('{"A":"3","a":"2","b":"1","é":"4"}');
    expect(canonicalJson({ s: 'quote " and \\ and \n and \u0001' })).toBe(
      '{"s":"quote \\" and \\\\ and \\n and \\u0001"}',
    );
  });

  it("reproduces API.md's signed message", () => {
    expect(canonicalJson(GOLDEN.command)).toBe(GOLDEN.message);
  });
});

describe("Speed command signatures (golden vector)", () => {
  it("signs exactly like API.md", () => {
    expect(signCommand(GOLDEN.command, GOLDEN.privateKey)).toBe(GOLDEN.signature);
  });

  it("recovers the signer on the fast path and through TronWeb alike", () => {
    expect(recoverMessageSigner(GOLDEN.message, GOLDEN.signature)).toBe(GOLDEN.address);
    expect(recoverMessageSignerWithTronWeb(GOLDEN.message, GOLDEN.signature)).toBe(GOLDEN.address);
    expect(verifyCommandSignature(GOLDEN.command, GOLDEN.signature, GOLDEN.address)).toBe(true);
  });

  it("accepts v = 0/1 as well as 27/28", () => {
    const bytes = Buffer.from(GOLDEN.signature.slice(2), "hex");
    bytes[64] = (bytes[64] ?? 27) - 27;
    expect(recoverMessageSigner(GOLDEN.message, bytes.toString("hex"))).toBe(GOLDEN.address);
  });

  it("rejects a tampered command, another signer and malformed signatures", () => {
    const tampered = { ...GOLDEN.command, cumulativeAmount: "2500001" };
    expect(verifyCommandSignature(tampered, GOLDEN.signature, GOLDEN.address)).toBe(false);
    expect(verifyCommandSignature(GOLDEN.command, GOLDEN.signature, GOLDEN.command.payee)).toBe(false);
    expect(recoverMessageSigner(GOLDEN.message, "0x1234")).toBeNull();
    expect(recoverMessageSigner(GOLDEN.message, `0x${"00".repeat(65)}`)).toBeNull();
    expect(recoverMessageSigner(GOLDEN.message, `${GOLDEN.signature.slice(0, -2)}1f`)).toBeNull();
  });

  it("agrees with TronWeb on random keys and messages", () => {
    for (let i = 0; i < 25; i += 1) {
      const key = randomBytes(32).toString("hex");
      const message = canonicalJson({ id: randomBytes(8).toString("hex"), note: `ünïcode ${i}` });
      const signature = signMessage(message, key);
      expect(recoverMessageSigner(message, signature)).toBe(
        recoverMessageSignerWithTronWeb(message, signature),
      );
      expect(recoverMessageSigner(message, signature)).toBe(TronWeb.address.fromPrivateKey(key));
    }
  });
});
