import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { netLimitOf, recovered } from "../chain/bandwidth.js";
import type { BlockRecord } from "../chain/blocks.js";
import type { BroadcastResult, Chain, TxRecord } from "../chain/chain.js";
import { PARAMS, SUN_PER_TRX } from "../chain/params.js";
import { energyStake } from "../chain/state.js";
import { type Json, parseAddress, stringifyJson, toBigInt } from "../protocol/json.js";
import {
  type DecodedTransaction,
  decodeTransactionBytes,
  parseTransactionJson,
  renderTransaction,
  UnsupportedContractError,
} from "../protocol/transaction.js";
import { chainParameters } from "./chain-parameters.js";
import { BadRequest, readParams, type WalletParams } from "./params.js";
import { renderAccount, renderAsset, renderBlock, renderTransactionInfo } from "./render.js";

/**
 * java-tron's HTTP API (`/wallet/*` full node, `/walletsolidity/*` solidified state) on one
 * origin. Errors are HTTP 200 with `{"Error": "<class> : <message>"}`, "not found" is `{}`.
 */

type View = "full" | "solid";
type Handler = (p: WalletParams, view: View) => Json;

/** One `/wallet/*` or `/walletsolidity/*` endpoint. */
export interface WalletRoute {
  handler: Handler;
  view: View;
}

const CODE_VERSION = "4.8.1";

/** The reply text of a route: the handler's JSON, or java-tron's `{"Error": …}` when it throws. */
export function answerWallet(route: WalletRoute, p: () => WalletParams): string {
  try {
    const params = p();
    return stringifyJson(route.handler(params, route.view), params.int64AsString);
  } catch (error) {
    const cls = error instanceof BadRequest ? error.exceptionClass : "java.lang.IllegalArgumentException";
    return JSON.stringify({ Error: `class ${cls} : ${(error as Error).message}` });
  }
}

/** Express routes (GET and POST) for every endpoint of the table. */
export function mountWalletRoutes(app: Express, chain: Chain, routes: Map<string, WalletRoute>): void {
  for (const [path, route] of routes) {
    const fn = async (req: Request, res: Response) => {
      if (chain.faults.latencyMs > 0) await sleep(chain.faults.latencyMs);
      res.type("application/json").send(answerWallet(route, () => readParams(req)));
    };
    app.get(path, fn);
    app.post(path, fn);
  }
}

/** The endpoint table, keyed by path (`/wallet/getnowblock`, `/walletsolidity/getnowblock`, …). */
export function walletRoutes(chain: Chain): Map<string, WalletRoute> {
  const routes = new Map<string, WalletRoute>();
  const route = (name: string, handler: Handler, solidity: boolean) => {
    routes.set(`/wallet/${name}`, { handler, view: "full" });
    if (solidity) routes.set(`/walletsolidity/${name}`, { handler, view: "solid" });
  };

  const topOf = (view: View) => (view === "solid" ? chain.solidHead() : chain.head());
  const visibleBlock = (n: number, view: View): BlockRecord | undefined =>
    n <= topOf(view) ? chain.blockAt(n) : undefined;
  const visibleTx = (id: unknown, view: View): TxRecord | undefined => {
    if (typeof id !== "string") return undefined;
    const rec = chain.transaction(id);
    return rec && rec.blockNumber <= topOf(view) ? rec : undefined;
  };
  const num = (v: unknown, name: string): number => Number(toBigInt(v, name));
  // The full node answers from its pending state (accepted transactions included, as java-tron
  // does); the solidity node from the state at the end of the solidified block.
  const accountIn = (address: string, view: View) =>
    view === "solid" ? chain.accounts.at(address, chain.solidHead()) : chain.accounts.latest(address);

  route(
    "getnowblock",
    (p, view) => renderBlock(chain, chain.blockAt(topOf(view)) as BlockRecord, p.visible),
    true,
  );

  route(
    "getblock",
    (p, view) => {
      const idOrNum = p.body.id_or_num;
      const detail = p.body.detail === true || p.body.detail === "true";
      let block: BlockRecord | undefined;
      if (idOrNum === undefined || idOrNum === "") block = chain.blockAt(topOf(view));
      else if (typeof idOrNum === "string" && idOrNum.length === 64) {
        if (!/^[0-9a-fA-F]{64}$/.test(idOrNum)) throw new BadRequest("id must be legal block hash.");
        const b = chain.blockById(idOrNum);
        block = b && b.number <= topOf(view) ? b : undefined;
      } else {
        const n = num(idOrNum, "id_or_num");
        if (n < 0) throw new BadRequest("num must be non-positive number.");
        block = visibleBlock(n, view);
      }
      return block ? renderBlock(chain, block, p.visible, detail) : {};
    },
    true,
  );

  route(
    "getblockbynum",
    (p, view) => {
      const b = visibleBlock(num(p.body.num, "num"), view);
      return b ? renderBlock(chain, b, p.visible) : {};
    },
    true,
  );

  route(
    "getblockbyid",
    (p, view) => {
      const b = typeof p.body.value === "string" ? chain.blockById(p.body.value) : undefined;
      return b && b.number <= topOf(view) ? renderBlock(chain, b, p.visible) : {};
    },
    true,
  );

  route(
    "getblockbylimitnext",
    (p, view) => {
      const start = num(p.body.startNum, "startNum");
      const end = num(p.body.endNum, "endNum");
      if (!(end > start && end - start <= 100)) return {};
      const blocks: Json[] = [];
      for (let n = Math.max(start, chain.genesisHeight); n < end && n <= topOf(view); n++) {
        blocks.push(renderBlock(chain, chain.blockAt(n) as BlockRecord, p.visible));
      }
      return blocks.length ? { block: blocks } : {};
    },
    true,
  );

  route(
    "getblockbylatestnum",
    (p, view) => {
      const count = num(p.body.num, "num");
      if (count <= 0 || count > 100) return {};
      const top = topOf(view);
      const blocks: Json[] = [];
      for (let n = Math.max(chain.genesisHeight, top - count + 1); n <= top; n++) {
        blocks.push(renderBlock(chain, chain.blockAt(n) as BlockRecord, p.visible));
      }
      return { block: blocks };
    },
    true,
  );

  route(
    "getaccount",
    (p, view) => {
      const a = accountIn(parseAddress(p.body.address), view);
      return a ? renderAccount(a, p.visible) : {};
    },
    true,
  );

  route(
    "getaccountnet",
    (p, view) => {
      const a = accountIn(parseAddress(p.body.address), view);
      if (!a) return {};
      return accountNet(chain, a);
    },
    true,
  );

  route(
    "getaccountresource",
    (p, view) => {
      const a = accountIn(parseAddress(p.body.address), view);
      if (!a) return {};
      const out = accountNet(chain, a);
      const energyLimit =
        chain.totals.energyWeight > 0n
          ? ((energyStake(a) / SUN_PER_TRX) * PARAMS.totalEnergyLimit) / chain.totals.energyWeight
          : 0n;
      if (energyLimit) out.EnergyLimit = energyLimit;
      out.TotalEnergyLimit = PARAMS.totalEnergyLimit;
      out.TotalEnergyWeight = chain.totals.energyWeight;
      const power =
        ((a.frozenV1Bandwidth?.amount ?? 0n) +
          (a.frozenV1Energy?.amount ?? 0n) +
          a.delegatedV1Bandwidth +
          a.delegatedV1Energy +
          a.frozenV2Bandwidth +
          a.frozenV2Energy +
          a.frozenV2TronPower +
          a.delegatedV2Bandwidth +
          a.delegatedV2Energy) /
        SUN_PER_TRX;
      if (power) out.tronPowerLimit = power;
      return out;
    },
    true,
  );

  route(
    "getaccountbalance",
    (p) => {
      const account = p.body.account_identifier as Record<string, unknown> | undefined;
      if (!account || typeof account !== "object") throw new BadRequest("account_identifier is null");
      const blockId = p.body.block_identifier as Record<string, unknown> | undefined;
      if (!blockId || typeof blockId !== "object") throw new BadRequest("block_identifier is null");
      const address = parseAddress(account.address);
      const hash = String(blockId.hash ?? "");
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new BadRequest("block_identifier hash length not equals 32");
      const number = num(blockId.number, "number");
      const block = chain.blockById(hash);
      if (!block || block.number !== number) throw new BadRequest("number and hash do not match");
      const state = chain.accounts.at(address, number);
      const changed = chain.accounts.lastChangeAt(address, number);
      const at = changed === undefined ? block : (chain.blockAt(changed) as BlockRecord);
      return {
        balance: state?.balance ?? 0n,
        block_identifier: { hash: at.id.toString("hex"), number: BigInt(at.number) },
      };
    },
    false,
  );

  route(
    "gettransactionbyid",
    (p, view) => {
      const rec = visibleTx(p.body.value, view);
      return rec ? renderTransaction(rec.tx, p.visible, "SUCCESS") : {};
    },
    true,
  );

  route(
    "gettransactioninfobyid",
    (p, view) => {
      const rec = visibleTx(p.body.value, view);
      return rec ? renderTransactionInfo(chain, rec) : {};
    },
    true,
  );

  route(
    "gettransactioninfobyblocknum",
    (p, view) => {
      const n = num(p.body.num, "num");
      if (n <= 0) return {};
      const b = visibleBlock(n, view);
      if (!b) return [];
      return (b.txIds ?? []).map((id) => renderTransactionInfo(chain, chain.txs.get(id) as TxRecord));
    },
    true,
  );

  route(
    "getassetissuebyid",
    (p) => {
      const asset = chain.assets.get(String(p.body.value ?? ""));
      return asset ? renderAsset(asset, p.visible) : {};
    },
    true,
  );

  route("getchainparameters", () => ({ chainParameter: chainParameters() }), false);

  route(
    "getnodeinfo",
    () => {
      const head = chain.headBlock();
      const solid = chain.blockAt(chain.solidHead()) as BlockRecord;
      return {
        beginSyncNum: head.number,
        block: `Num:${head.number},ID:${head.id.toString("hex")}`,
        solidityBlock: `Num:${solid.number},ID:${solid.id.toString("hex")}`,
        currentConnectCount: 0,
        activeConnectCount: 0,
        passiveConnectCount: 0,
        totalFlow: 0,
        peerList: [],
        configNodeInfo: {
          codeVersion: CODE_VERSION,
          p2pVersion: "tron-devnet",
          listenPort: 0,
          discoverEnable: false,
          activeNodeSize: 0,
          passiveNodeSize: 0,
          sendNodeSize: 0,
          maxConnectCount: 0,
          sameIpMaxConnectCount: 0,
          backupListenPort: 0,
          backupMemberSize: 0,
          backupPriority: 0,
          dbVersion: 2,
          minParticipationRate: 0,
          supportConstant: false,
          minTimeRatio: 0,
          maxTimeRatio: 0,
          allowCreationOfContracts: 0,
          allowAdaptiveEnergy: 0,
        },
        machineInfo: {},
        cheatWitnessInfoMap: {},
      };
    },
    true,
  );

  const broadcastReply = (
    tx: DecodedTransaction,
    r: BroadcastResult,
    visible: boolean,
  ): Record<string, Json> => {
    const txid = tx.txId.toString("hex");
    if (r.code === "SUCCESS") return { result: true, txid };
    return { code: r.code, message: visible ? r.message : Buffer.from(r.message).toString("hex"), txid };
  };

  route(
    "broadcasttransaction",
    (p) => {
      let tx: DecodedTransaction;
      try {
        tx = parseTransactionJson(p.body);
      } catch (error) {
        if (error instanceof UnsupportedContractError) {
          const message = `Contract validate error : ${error.contractType} is not supported by this node`;
          return {
            code: "CONTRACT_VALIDATE_ERROR",
            message: p.visible ? message : Buffer.from(message).toString("hex"),
            txid: String(p.body.txID ?? ""),
          };
        }
        throw error;
      }
      return broadcastReply(tx, chain.broadcast(tx), p.visible);
    },
    false,
  );

  route(
    "broadcasthex",
    (p) => {
      const hex = String(p.body.transaction ?? "");
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new BadRequest("transaction must be hex");
      const tx = decodeTransactionBytes(Buffer.from(hex, "hex"));
      const r = chain.broadcast(tx);
      // java-tron's BroadcastHexServlet always prints result/code/message (UTF-8) and the tx as a
      // JSON string rendered with visible=true.
      return {
        result: r.code === "SUCCESS",
        code: r.code,
        message: r.message,
        transaction: stringifyJson(renderTransaction(tx, true)),
        txid: tx.txId.toString("hex"),
      };
    },
    false,
  );
  return routes;
}

function accountNet(chain: Chain, a: Parameters<typeof renderAccount>[0]): Record<string, Json> {
  const now = chain.chainNow();
  const out: Record<string, Json> = {};
  const freeUsed = recovered(a.freeNetUsage, a.latestConsumeFreeTime, now);
  if (freeUsed) out.freeNetUsed = freeUsed;
  out.freeNetLimit = PARAMS.freeNetLimit;
  const netUsed = recovered(a.netUsage, a.latestConsumeTime, now);
  if (netUsed) out.NetUsed = netUsed;
  const netLimit = netLimitOf(a, chain.totals.netWeight);
  if (netLimit) out.NetLimit = netLimit;
  out.TotalNetLimit = PARAMS.totalNetLimit;
  out.TotalNetWeight = chain.totals.netWeight;
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Bodies are read as text and parsed here: java-tron accepts any content type, even none. */
export const textBody: RequestHandler = express.text({ type: () => true, limit: "10mb" });
