import { toBase58Address } from "@btt/shared/tron";
import type { Genesis, GenesisAccount, GenesisAsset } from "../genesis/types.js";
import { blockIdOf } from "../protocol/block.js";
import { recoverSigner, sha256 } from "../protocol/crypto.js";
import type { Json } from "../protocol/json.js";
import { type DecodedTransaction, transactionSize } from "../protocol/transaction.js";
import { ACTUATORS } from "./actuators/index.js";
import { str } from "./actuators/types.js";
import { BandwidthError, chargeBandwidth } from "./bandwidth.js";
import { type BlockRecord, sealBlock } from "./blocks.js";
import {
  addDelegation,
  ContractValidateError,
  type DelegationRecord,
  type Totals,
  TxContext,
} from "./context.js";
import { PARAMS, SUN_PER_TRX } from "./params.js";
import { type AccountState, AccountStore, emptyAccount } from "./state.js";

/**
 * The chain: account state with history, blocks, transactions and the broadcast pipeline with
 * java-tron's checks in java-tron's order (TRON-API.md §2.4). Accepted transactions are applied at
 * once to the pending state (what wallet/getaccount shows, as in java-tron) and sealed into the
 * next block.
 */

export type ResponseCode =
  | "SUCCESS"
  | "SIGERROR"
  | "CONTRACT_VALIDATE_ERROR"
  | "CONTRACT_EXE_ERROR"
  | "BANDWITH_ERROR"
  | "DUP_TRANSACTION_ERROR"
  | "TAPOS_ERROR"
  | "TOO_BIG_TRANSACTION_ERROR"
  | "TRANSACTION_EXPIRATION_ERROR"
  | "SERVER_BUSY"
  | "OTHER_ERROR";

export interface BroadcastResult {
  code: ResponseCode;
  message: string;
}

export interface TxRecord {
  tx: DecodedTransaction;
  blockNumber: number;
  fee: bigint;
  netUsage: bigint;
  netFee: bigint;
  info: Record<string, Json>;
}

export interface Faults {
  dropBroadcastRate: number;
  serverBusyRate: number;
  latencyMs: number;
}

export interface ChainOptions {
  genesis: Genesis;
  solidificationLag: number;
  /** chain-time step between consecutive blocks when blocks are produced faster than the clock */
  blockStepMs: number;
  random?: () => number;
}

const OK: BroadcastResult = { code: "SUCCESS", message: "" };

export class Chain {
  readonly accounts = new AccountStore();
  readonly assets = new Map<string, GenesisAsset>();
  readonly delegationsV1 = new Map<string, DelegationRecord>();
  readonly delegationsV2 = new Map<string, DelegationRecord>();
  readonly totals: Totals = { netWeight: 0n, energyWeight: 0n };
  readonly txs = new Map<string, TxRecord>();
  readonly genesisHeight: number;
  readonly witnessAddress: string;
  readonly witnessKey: string;
  faults: Faults = { dropBroadcastRate: 0, serverBusyRate: 0, latencyMs: 0 };
  solidificationLag: number;

  private readonly blocks: BlockRecord[] = [];
  private pending: DecodedTransaction[] = [];
  private clockOffset: number;
  private readonly blockStepMs: number;
  private readonly random: () => number;

  constructor(options: ChainOptions) {
    const g = options.genesis;
    this.genesisHeight = g.height;
    this.witnessAddress = g.witness.address.toLowerCase();
    this.witnessKey = g.witness.privateKey;
    this.solidificationLag = options.solidificationLag;
    this.blockStepMs = options.blockStepMs;
    this.random = options.random ?? Math.random;
    // The chain clock starts at the genesis timestamp and runs with the wall clock from there.
    this.clockOffset = g.timestamp - Date.now();
    for (const asset of g.assets) this.assets.set(asset.id, asset);
    this.loadGenesis(g);
    const parentHash =
      g.height > 0
        ? blockIdOf(BigInt(g.height - 1), sha256(Buffer.from(`tron-devnet:${g.timestamp}`)))
        : Buffer.alloc(32);
    this.blocks.push(sealBlock(g.height, g.timestamp, parentHash, [], this.witnessAddress));
  }

  private loadGenesis(g: Genesis): void {
    for (const ga of g.accounts()) {
      const state = genesisAccountState(ga, g.timestamp);
      this.accounts.seed(state, g.height);
      const bw = (state.frozenV1Bandwidth?.amount ?? 0n) + state.frozenV2Bandwidth;
      const en = (state.frozenV1Energy?.amount ?? 0n) + state.frozenV2Energy;
      this.totals.netWeight += bw / SUN_PER_TRX;
      this.totals.energyWeight += en / SUN_PER_TRX;
    }
    for (const d of g.delegations) {
      const from = d.from.toLowerCase();
      const to = d.to.toLowerCase();
      const energy = d.resource === "ENERGY";
      const owner = this.accounts.latest(from) ?? emptyAccount(from, g.timestamp);
      const receiver = this.accounts.latest(to) ?? emptyAccount(to, g.timestamp);
      if (d.stake === "v1") {
        this.accounts.put(
          energy
            ? { ...owner, delegatedV1Energy: owner.delegatedV1Energy + d.amount }
            : { ...owner, delegatedV1Bandwidth: owner.delegatedV1Bandwidth + d.amount },
          g.height,
        );
        this.accounts.put(
          energy
            ? { ...receiver, acquiredV1Energy: receiver.acquiredV1Energy + d.amount }
            : { ...receiver, acquiredV1Bandwidth: receiver.acquiredV1Bandwidth + d.amount },
          g.height,
        );
      } else {
        this.accounts.put(
          energy
            ? { ...owner, delegatedV2Energy: owner.delegatedV2Energy + d.amount }
            : { ...owner, delegatedV2Bandwidth: owner.delegatedV2Bandwidth + d.amount },
          g.height,
        );
        this.accounts.put(
          energy
            ? { ...receiver, acquiredV2Energy: receiver.acquiredV2Energy + d.amount }
            : { ...receiver, acquiredV2Bandwidth: receiver.acquiredV2Bandwidth + d.amount },
          g.height,
        );
      }
      addDelegation(
        d.stake === "v1" ? this.delegationsV1 : this.delegationsV2,
        from,
        to,
        energy,
        d.amount,
        d.expireTime,
      );
      if (energy) this.totals.energyWeight += d.amount / SUN_PER_TRX;
      else this.totals.netWeight += d.amount / SUN_PER_TRX;
    }
  }

  // ---- clock and blocks ----

  chainNow(): number {
    return Math.max(Date.now() + this.clockOffset, this.headBlock().timestamp);
  }

  advanceTime(ms: number): number {
    this.clockOffset += ms;
    return this.chainNow();
  }

  head(): number {
    return this.genesisHeight + this.blocks.length - 1;
  }

  solidHead(): number {
    return Math.max(this.genesisHeight, this.head() - this.solidificationLag);
  }

  headBlock(): BlockRecord {
    return this.blocks[this.blocks.length - 1] as BlockRecord;
  }

  blockAt(number: number): BlockRecord | undefined {
    if (!Number.isInteger(number)) return undefined;
    return this.blocks[number - this.genesisHeight];
  }

  blockById(idHex: string): BlockRecord | undefined {
    if (!/^[0-9a-fA-F]{64}$/.test(idHex)) return undefined;
    const number = Number(BigInt(`0x${idHex.slice(0, 16)}`));
    const b = this.blockAt(number);
    return b && b.id.toString("hex") === idHex.toLowerCase() ? b : undefined;
  }

  produceBlock(): BlockRecord {
    const prev = this.headBlock();
    const now = Date.now() + this.clockOffset;
    const timestamp = Math.max(prev.timestamp + this.blockStepMs, now);
    const txs = this.pending;
    this.pending = [];
    const block = sealBlock(prev.number + 1, timestamp, prev.id, txs, this.witnessAddress);
    this.blocks.push(block);
    for (const tx of txs) {
      const rec = this.txs.get(tx.txId.toString("hex"));
      if (rec) rec.blockNumber = block.number;
    }
    // keep the chain clock at or after the head block so expiration checks never run backwards
    if (now < timestamp) this.clockOffset += timestamp - now;
    return block;
  }

  // ---- transactions ----

  /** A transaction is visible through the API once it is in a block (blockNumber ≥ 0). */
  transaction(idHex: string): TxRecord | undefined {
    const rec = this.txs.get(idHex.toLowerCase());
    return rec && rec.blockNumber >= 0 ? rec : undefined;
  }

  broadcast(tx: DecodedTransaction): BroadcastResult {
    if (this.faults.serverBusyRate > 0 && this.random() < this.faults.serverBusyRate) {
      return { code: "SERVER_BUSY", message: "Server busy." };
    }
    const raw = tx.raw;
    const contract = raw.contracts[0];
    if (!contract)
      return { code: "CONTRACT_VALIDATE_ERROR", message: "Contract validate error : No contract!" };
    const head = this.headBlock();
    const now = this.chainNow();
    const expiration = Number(raw.expiration);
    if (expiration < now) return { code: "TRANSACTION_EXPIRATION_ERROR", message: "Transaction expired" };
    if (!contract.value) {
      return {
        code: "CONTRACT_VALIDATE_ERROR",
        message: `Contract validate error : ${contract.type} is not supported by this node`,
      };
    }
    const sig = this.checkSignature(tx, str(contract.value, "owner_address"), contract.permissionId);
    if (sig) return sig;
    if (!this.checkTapos(raw.refBlockBytes, raw.refBlockHash)) {
      return { code: "TAPOS_ERROR", message: "Tapos check error." };
    }
    const size = transactionSize(tx.rawBytes, tx.signatures);
    if (size > PARAMS.maxTransactionBytes) {
      return { code: "TOO_BIG_TRANSACTION_ERROR", message: `Too big transaction, the size is ${size} bytes` };
    }
    if (expiration <= head.timestamp || expiration > head.timestamp + PARAMS.maxExpirationWindowMs) {
      return { code: "TRANSACTION_EXPIRATION_ERROR", message: "Transaction expired" };
    }
    const id = tx.txId.toString("hex");
    if (this.txs.has(id)) return { code: "DUP_TRANSACTION_ERROR", message: "Dup transaction." };
    if (raw.contracts.length !== 1) {
      return {
        code: "CONTRACT_VALIDATE_ERROR",
        message: "Contract validate error : act size should be exactly 1, this is extend feature",
      };
    }
    const actuator = ACTUATORS[contract.type];
    if (!actuator) {
      return {
        code: "CONTRACT_VALIDATE_ERROR",
        message: `Contract validate error : ${contract.type} is not supported by this node`,
      };
    }
    const ctx = new TxContext(
      this.accounts,
      now,
      this.assets,
      this.delegationsV1,
      this.delegationsV2,
      this.totals,
    );
    const owner = str(contract.value, "owner_address");
    const to = str(contract.value, "to_address");
    const createsAccount =
      (contract.type === "TransferContract" || contract.type === "TransferAssetContract") &&
      to !== "" &&
      !this.accounts.latest(to);
    let receipt: { netUsage: bigint; netFee: bigint };
    try {
      receipt = chargeBandwidth(ctx, owner, BigInt(size + PARAMS.maxResultSize), createsAccount);
      actuator.validate(ctx, contract.value);
    } catch (error) {
      if (error instanceof BandwidthError) return { code: "BANDWITH_ERROR", message: error.message };
      if (error instanceof ContractValidateError) {
        return { code: "CONTRACT_VALIDATE_ERROR", message: `Contract validate error : ${error.message}` };
      }
      throw error;
    }
    // A dropped broadcast is acknowledged like any other and then lost, as a node that fails to
    // relay would; nothing is applied.
    if (this.faults.dropBroadcastRate > 0 && this.random() < this.faults.dropBroadcastRate) return OK;
    actuator.execute(ctx, contract.value);
    ctx.commit(this.head() + 1);
    this.txs.set(id, {
      tx,
      blockNumber: -1,
      fee: ctx.fee,
      netUsage: receipt.netUsage,
      netFee: receipt.netFee,
      info: ctx.info,
    });
    this.pending.push(tx);
    return OK;
  }

  private checkSignature(
    tx: DecodedTransaction,
    owner: string,
    permissionId: number,
  ): BroadcastResult | null {
    const fail = (m: string): BroadcastResult => ({
      code: "SIGERROR",
      message: `Validate signature error: ${m}`,
    });
    if (tx.signatures.length === 0) return fail("miss sig or contract");
    // Every devnet account has java-tron's default permissions: owner (0) and active (2), both
    // the owner's key alone with threshold 1.
    if (permissionId !== 0 && permissionId !== 2) return fail("permission isn't exit");
    const seen = new Set<string>();
    for (const s of tx.signatures) {
      if (s.length !== 65) return fail(`Signature size is ${s.length}`);
      const signer = recoverSigner(tx.txId, s);
      if (!signer) return fail("sig error");
      if (signer !== owner) {
        return fail(
          `${s.toString("hex")} is signed by ${toBase58Address(signer)} but it is not contained of permission.`,
        );
      }
      if (seen.has(signer)) return fail(`${toBase58Address(signer)} has signed twice!`);
      seen.add(signer);
    }
    return null;
  }

  /** RecentBlockStore: the last 65,536 blocks, keyed by the low 16 bits of their number. */
  private checkTapos(refBlockBytes: Buffer, refBlockHash: Buffer): boolean {
    if (refBlockBytes.length !== 2 || refBlockHash.length !== 8) return false;
    const low = refBlockBytes.readUInt16BE(0);
    const head = this.head();
    const n = head - ((head - low) & 0xffff);
    const block = n >= this.genesisHeight ? this.blockAt(n) : undefined;
    if (!block) return false;
    return block.id.subarray(8, 16).equals(refBlockHash);
  }

  // ---- devnet views ----
}

function genesisAccountState(ga: GenesisAccount, timestamp: number): AccountState {
  const base = emptyAccount(ga.address.toLowerCase(), timestamp);
  const state: { -readonly [K in keyof AccountState]: AccountState[K] } = { ...base, balance: ga.balance };
  if (ga.name) state.name = ga.name;
  if (ga.assets && Object.keys(ga.assets).length > 0) state.assets = { ...ga.assets };
  if (ga.frozenV1?.bandwidth) state.frozenV1Bandwidth = { ...ga.frozenV1.bandwidth };
  if (ga.frozenV1?.energy) state.frozenV1Energy = { ...ga.frozenV1.energy };
  if (ga.frozenV2) {
    state.frozenV2Bandwidth = ga.frozenV2.BANDWIDTH ?? 0n;
    state.frozenV2Energy = ga.frozenV2.ENERGY ?? 0n;
    state.frozenV2TronPower = ga.frozenV2.TRON_POWER ?? 0n;
  }
  if (ga.unfrozenV2?.length) state.unfrozenV2 = ga.unfrozenV2.map((u) => ({ ...u }));
  return state;
}
