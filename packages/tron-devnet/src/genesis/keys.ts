import { hash } from "node:crypto";
import { toHexAddress } from "@btt/shared/tron";
import { TronWeb } from "tronweb";
import type { DevelopmentAccount } from "./types.js";

/** Order of secp256k1's group: a private key must be in [1, n). */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * A valid secp256k1 private key (64 lower-case hex chars) from a label: sha256(label), re-hashed
 * in the (astronomically unlikely) case that it is 0 or ≥ n.
 */
export function privateKeyFromLabel(label: string): string {
  let digest = hash("sha256", label, "buffer");
  for (;;) {
    const value = BigInt(`0x${digest.toString("hex")}`);
    if (value > 0n && value < SECP256K1_ORDER) return digest.toString("hex");
    digest = hash("sha256", digest, "buffer");
  }
}

/** The account of a private key, with the address computed by TronWeb. */
export function accountFromPrivateKey(privateKey: string): DevelopmentAccount {
  const base58 = TronWeb.address.fromPrivateKey(privateKey);
  if (base58 === false) throw new Error(`not a valid TRON private key: ${privateKey.slice(0, 8)}…`);
  return { address: toHexAddress(base58), base58, privateKey: privateKey.toLowerCase() };
}

export function witnessPrivateKey(seed: number): string {
  return privateKeyFromLabel(`btt-devnet/witness/${seed}`);
}

export function developmentPrivateKey(seed: number, index: number): string {
  return privateKeyFromLabel(`btt-devnet/dev/${seed}/${index}`);
}

/**
 * Writes the 20 address bytes after the 0x41 prefix of population account `index` into `out` at
 * `offset`: the first 20 bytes of sha256(`btt-devnet/pop/${seed}/${index}`). No key derivation:
 * population accounts have no private keys.
 */
export function writePopulationAddressBody(seed: number, index: number, out: Buffer, offset: number): void {
  const digest = hash("sha256", `btt-devnet/pop/${seed}/${index}`, "buffer");
  digest.copy(out, offset, 0, 20);
}

/** The hex address (`41…`) of population account `index`. */
export function populationAddress(seed: number, index: number): string {
  const body = Buffer.allocUnsafe(20);
  writePopulationAddressBody(seed, index, body, 0);
  return `41${body.toString("hex")}`;
}

/**
 * Finds two equal 20-byte address bodies in `bodies` (packed, 20 bytes each), or a body equal to one
 * of `reserved` (hex `41…` addresses). Returns a description of the first collision, or undefined.
 * Sorts 48-bit prefixes (a Float64Array, no per-address objects) and compares in full only on a
 * prefix match.
 */
export function findAddressCollision(bodies: Buffer, reserved: readonly string[]): string | undefined {
  const count = Math.floor(bodies.length / 20);
  const reservedBodies = reserved.map((hex) => Buffer.from(hex.slice(2), "hex"));
  const total = count + reservedBodies.length;
  const keys = new Float64Array(total);
  const bodyOf = (entry: number): Buffer =>
    entry < count ? bodies.subarray(entry * 20, entry * 20 + 20) : (reservedBodies[entry - count] as Buffer);
  for (let entry = 0; entry < total; entry++) keys[entry] = bodyOf(entry).readUIntBE(0, 6);
  const sorted = keys.slice().sort();
  const suspicious = new Set<number>();
  for (let k = 1; k < total; k++) if (sorted[k] === sorted[k - 1]) suspicious.add(sorted[k] as number);
  if (suspicious.size === 0) return undefined;
  const seen = new Map<string, number>();
  for (let entry = 0; entry < total; entry++) {
    if (!suspicious.has(keys[entry] as number)) continue;
    const hex = bodyOf(entry).toString("hex");
    const previous = seen.get(hex);
    if (previous !== undefined) {
      const describe = (e: number) =>
        e < count ? `population account ${e}` : `reserved address ${reserved[e - count]}`;
      return `${describe(previous)} and ${describe(entry)} share the address 41${hex}`;
    }
    seen.set(hex, entry);
  }
  return undefined;
}
