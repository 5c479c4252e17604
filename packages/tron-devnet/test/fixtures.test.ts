import { readFileSync } from "node:fs";
import path from "node:path";
import { TronWeb, utils } from "tronweb";
import { describe, expect, it } from "vitest";
import { type BlockHeaderRaw, computeBlockId, encodeHeaderRaw, taposOf } from "../src/protocol/block.js";
import { renderContractValue } from "../src/protocol/contracts.js";
import { recoverSigner, sha256 } from "../src/protocol/crypto.js";
import {
  decodeRaw,
  decodeTransactionBytes,
  encodeRaw,
  parseTransactionJson,
} from "../src/protocol/transaction.js";

// Real mainnet/Nile data, checked by ../shared/fixtures/tron/verify.js with TronWeb's own utilities.
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const fixtures = JSON.parse(
  readFileSync(path.resolve(repoRoot, "../shared/fixtures/tron/fixtures.json"), "utf8"),
) as {
  transactions: TxFixture[];
  blocks: BlockFixture[];
  derived_checks: {
    id: string;
    header_raw_data: HeaderJson;
    expected_ref_block_bytes: string;
    expected_ref_block_hash: string;
  }[];
};

interface TxFixture {
  id: string;
  contract_type: string;
  txID: string;
  raw_data_hex?: string;
  full_tx_hex?: string;
  raw_data?: { contract: { parameter: { value: Record<string, unknown> } }[] } & Record<string, unknown>;
  signature?: string[];
  asset_name_encoding?: string;
  expected_signers?: string[];
  expected_failure?: string;
  verified: boolean;
  verification: { decoded: Record<string, unknown>; raw_data_hex: string; recovered?: { address: string }[] };
}
interface HeaderJson {
  number: number;
  timestamp: number;
  txTrieRoot: string;
  parentHash: string;
  witness_address: string;
  version: number;
  witness_id?: number;
}
interface BlockFixture {
  id: string;
  blockID: string;
  block_header: { raw_data: HeaderJson; witness_signature: string };
  verified: boolean;
}

const hexAddr = (a: string) => (a.startsWith("T") ? TronWeb.address.toHex(a).toLowerCase() : a.toLowerCase());

function headerFromJson(r: HeaderJson): BlockHeaderRaw {
  return {
    number: BigInt(r.number),
    timestamp: BigInt(r.timestamp),
    txTrieRoot: Buffer.from(r.txTrieRoot, "hex"),
    parentHash: Buffer.from(r.parentHash, "hex"),
    witnessAddress: hexAddr(r.witness_address),
    version: BigInt(r.version),
    ...(r.witness_id ? { witnessId: BigInt(r.witness_id) } : {}),
  };
}

/** Same normalisation as verify.js: TronGrid renders asset_name as the UTF-8 id. */
function normalisedRawData(t: TxFixture): Record<string, unknown> {
  const rd = structuredClone(t.raw_data) as NonNullable<TxFixture["raw_data"]>;
  for (const c of rd.contract) {
    const v = c.parameter.value;
    if (t.asset_name_encoding === "utf8" && typeof v.asset_name === "string") {
      v.asset_name = Buffer.from(v.asset_name, "utf8").toString("hex");
    }
  }
  return rd;
}

const verifiedTxs = fixtures.transactions.filter((t) => t.verified);
const negativeTxs = fixtures.transactions.filter((t) => !t.verified && t.expected_failure);

describe("fixtures: transactions", () => {
  it("has the expected population (45 verified, 2 negative)", () => {
    expect(verifiedTxs).toHaveLength(45);
    expect(negativeTxs).toHaveLength(2);
  });

  it.each(verifiedTxs.map((t) => [t.id, t] as const))(
    "%s decodes to the same fields, txID and signer",
    (_id, t) => {
      const full = t.full_tx_hex ? decodeTransactionBytes(Buffer.from(t.full_tx_hex, "hex")) : undefined;
      const rawHex = t.raw_data_hex ?? t.verification.raw_data_hex;
      const rawBytes = full?.rawBytes ?? Buffer.from(rawHex, "hex");
      expect(rawBytes.toString("hex")).toBe(t.verification.raw_data_hex);
      const raw = decodeRaw(rawBytes);
      // lossless: re-encoding the decoded message gives the same bytes (hence the same txID)
      expect(encodeRaw(raw).toString("hex")).toBe(rawBytes.toString("hex"));
      expect(sha256(rawBytes).toString("hex")).toBe(t.txID.toLowerCase());

      const contract = raw.contracts[0];
      expect(contract?.type).toBe(t.contract_type);
      const d = t.verification.decoded;
      const mine = renderContractValue(contract?.type ?? "", contract?.value ?? {}, false);
      for (const key of ["owner_address", "to_address", "contract_address", "asset_name", "data"]) {
        if (d[key] !== undefined) expect(mine[key], key).toBe(d[key]);
      }
      for (const key of ["amount", "frozen_balance", "frozen_duration", "call_value"]) {
        if (d[key] !== undefined && d[key] !== 0) expect(mine[key], key).toBe(BigInt(d[key] as number));
      }
      expect(raw.refBlockBytes.toString("hex")).toBe(d.ref_block_bytes);
      expect(raw.refBlockHash.toString("hex")).toBe(d.ref_block_hash);
      expect(Number(raw.expiration)).toBe(d.expiration);
      expect(Number(raw.timestamp)).toBe(d.timestamp);
      expect(contract?.permissionId ?? 0).toBe((d.Permission_id as number | undefined) ?? 0);

      // TronWeb's generated classes agree on the contract fields (the authority for field numbers)
      const tw = utils.deserializeTx.deserializeTransaction(t.contract_type, rawBytes.toString("hex")) as {
        contract: { parameter: { value: Record<string, unknown> } }[];
      };
      const twValue = tw.contract[0]?.parameter.value ?? {};
      for (const [key, value] of Object.entries(twValue)) {
        if (value === undefined || value === 0 || value === "" || value === false) continue;
        const expected =
          typeof value === "number" ? BigInt(value) : typeof value === "string" ? value.toLowerCase() : value;
        if (key === "votes") {
          expect((mine.votes as unknown[]).length).toBe((value as unknown[]).length);
          continue;
        }
        if (key === "resource") {
          // TronWeb spells the enum in lower case and prints the default; java-tron omits BANDWIDTH
          expect(mine.resource ?? "BANDWIDTH").toBe(String(value).toUpperCase());
          continue;
        }
        expect(mine[key], `TronWeb ${key}`).toEqual(expected);
      }

      // JSON → bytes the way broadcasttransaction rebuilds them
      if (t.raw_data) {
        const rebuilt = parseTransactionJson({ raw_data: normalisedRawData(t), visible: false });
        expect(rebuilt.rawBytes.toString("hex")).toBe(rawBytes.toString("hex"));
      }

      const signatures = full?.signatures ?? (t.signature ?? []).map((s) => Buffer.from(s, "hex"));
      const want = (t.expected_signers ?? [d.owner_address as string]).map(hexAddr);
      if (signatures.length > 0) {
        const got = signatures.map((s) => recoverSigner(sha256(rawBytes), s));
        for (const w of want) expect(got).toContain(w);
      }
    },
  );

  it.each(negativeTxs.map((t) => [t.id, t] as const))(
    "%s: signature does not recover the owner",
    (_id, t) => {
      const full = decodeTransactionBytes(Buffer.from(t.full_tx_hex as string, "hex"));
      expect(full.txId.toString("hex")).toBe(t.txID);
      const owner = renderContractValue(
        full.raw.contracts[0]?.type ?? "",
        full.raw.contracts[0]?.value ?? {},
        false,
      ).owner_address;
      const signer = recoverSigner(full.txId, full.signatures[0] as Buffer);
      expect(signer).not.toBeNull();
      expect(signer).not.toBe(owner);
      expect(TronWeb.address.fromHex(signer as string)).toBe("TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH");
    },
  );

  it("accepts v = 27/28 like v = 0/1", () => {
    const t = verifiedTxs.find((x) => x.id === "docs-nile-wallet-cli-21851bcf") as TxFixture;
    const sig = Buffer.from((t.signature as string[])[0] as string, "hex");
    const id = Buffer.from(t.txID, "hex");
    const as27 = Buffer.from(sig);
    as27[64] = (sig[64] as number) + 27;
    expect(recoverSigner(id, as27)).toBe(recoverSigner(id, sig));
    expect(recoverSigner(id, as27)).toBe(hexAddr("TUoHaVjx7n5xz8LwPRDckgFrDWhMhuSuJM"));
  });
});

describe("fixtures: blocks", () => {
  it.each(fixtures.blocks.map((b) => [b.id, b] as const))("%s: blockID and witness signature", (_id, b) => {
    const header = headerFromJson(b.block_header.raw_data);
    expect(computeBlockId(header).toString("hex")).toBe(b.blockID);
    const signer = recoverSigner(
      sha256(encodeHeaderRaw(header)),
      Buffer.from(b.block_header.witness_signature, "hex"),
    );
    expect(signer).toBe(hexAddr(b.block_header.raw_data.witness_address));
  });

  it.each(fixtures.derived_checks.map((d) => [d.id, d] as const))("%s: TaPoS reference", (_id, d) => {
    const { refBlockBytes, refBlockHash } = taposOf(computeBlockId(headerFromJson(d.header_raw_data)));
    expect(refBlockBytes.toString("hex")).toBe(d.expected_ref_block_bytes);
    expect(refBlockHash.toString("hex")).toBe(d.expected_ref_block_hash);
  });
});
