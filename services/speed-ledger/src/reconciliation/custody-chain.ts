import { type Json, type JsonObject, TronNodeClient } from "@btt/shared/tron";

/** The custody address's TRC-10 balance on the solidified chain, with the height it holds at. */
export interface CustodyReading {
  height: number;
  blockId: string;
  balance: bigint;
}

function headOf(json: Json): { height: number; blockId: string } {
  const block = json as JsonObject;
  const header = (block.block_header as JsonObject | undefined)?.raw_data as JsonObject | undefined;
  const number = header?.number;
  if (typeof number !== "number" || typeof block.blockID !== "string")
    throw new Error("the node's solidified head has no block number");
  return { height: number, blockId: block.blockID };
}

/**
 * Reads the custody balance from `/walletsolidity/getaccount` between two reads of the solidified
 * head, and keeps it only when both reads name the same block: java-tron answers accounts at its
 * solidified head, so the balance then belongs to exactly that height (no historical TRC-10 API).
 */
export class CustodyChain {
  private readonly node: TronNodeClient;

  constructor(
    options: { fullHost: string; solidityHost?: string; apiKey?: string },
    private readonly custodyAddress: string,
    private readonly tokenId: string,
  ) {
    this.node = new TronNodeClient({
      fullHost: options.fullHost,
      ...(options.solidityHost ? { solidityHost: options.solidityHost } : {}),
      ...(options.apiKey ? { headers: { "TRON-PRO-API-KEY": options.apiKey } } : {}),
      retries: 2,
      timeoutMs: 5_000,
    });
  }

  async read(): Promise<CustodyReading> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const before = headOf(await this.node.read("/walletsolidity/getnowblock"));
      const account = (await this.node.read("/walletsolidity/getaccount", {
        address: this.custodyAddress,
        visible: true,
      })) as JsonObject;
      const after = headOf(await this.node.read("/walletsolidity/getnowblock"));
      if (before.blockId !== after.blockId) continue;
      const assets = (account.assetV2 as JsonObject[] | undefined) ?? [];
      const entry = assets.find((a) => a.key === this.tokenId);
      const value = entry?.value ?? 0;
      return { ...before, balance: BigInt(value as number | bigint) };
    }
    throw new Error("the solidified head kept moving while the custody balance was read");
  }
}
