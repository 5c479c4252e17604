import { parseBaseUnits } from "@btt/shared/money";
import { addressToBytes, isTronAddress, toBase58Address } from "@btt/shared/tron/address";
import type { Entitlement, Round } from "../api.js";
import { type Command, requireRoundId } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import { formatFields, formatUnits, TRX_DECIMALS } from "../format.js";
import { type Verification, verifyEntitlementProof } from "../merkle.js";

/** Base58check or 21-byte hex, decoded without TronWeb (@btt/shared/tron/address). */
function parseAddress(text: string | undefined): { base58: string; bytes: Uint8Array } {
  if (!text) throw new UsageError("an address is required (base58 T… or hex 41…)");
  if (!isTronAddress(text)) {
    throw new UsageError(
      `${JSON.stringify(text)} is not a TRON address (base58 T… with a valid checksum, or hex 41…)`,
    );
  }
  return { base58: toBase58Address(text), bytes: addressToBytes(text) };
}

/** Checks the proof against the round's published root, from the entitlement's own fields. */
function verify(entitlement: Entitlement, round: Round, address: Uint8Array): Verification {
  const publishedRoot = round.merkleRoot;
  if (!publishedRoot || round.recipients === null) {
    return {
      ok: false,
      leaf: "",
      computedRoot: null,
      publishedRoot: publishedRoot ?? "",
      reason: `round ${round.id} is ${round.status} and has published no Merkle root yet`,
    };
  }
  const verification = verifyEntitlementProof(
    {
      roundId: round.id,
      address,
      liquid: parseBaseUnits(entitlement.holding.liquid),
      frozen: parseBaseUnits(entitlement.holding.frozen),
      unfreezing: parseBaseUnits(entitlement.holding.unfreezing),
      amount: parseBaseUnits(entitlement.amount),
    },
    entitlement.leafIndex,
    round.recipients,
    entitlement.proof,
    publishedRoot,
  );
  if (verification.ok && entitlement.merkleRoot.toLowerCase() !== publishedRoot.toLowerCase()) {
    return { ...verification, ok: false, reason: `the entitlement names root ${entitlement.merkleRoot}` };
  }
  return verification;
}

function describe(entitlement: Entitlement): string {
  const { holding, payout } = entitlement;
  const trx = (amount: string) => `${formatUnits(amount, TRX_DECIMALS)} TRX`;
  return formatFields([
    ["round", entitlement.roundId],
    ["address", entitlement.address],
    [
      "holding",
      `${trx(holding.total)} (liquid ${trx(holding.liquid)}, frozen ${trx(holding.frozen)}, ` +
        `unfreezing ${trx(holding.unfreezing)})`,
    ],
    ["amount", `${formatUnits(entitlement.amount)} BTT`],
    ["leaf index", String(entitlement.leafIndex)],
    ["merkle root", entitlement.merkleRoot],
    [
      "payout",
      [
        payout.status,
        payout.txId ? `txid ${payout.txId}` : null,
        payout.blockNumber ? `block ${payout.blockNumber}` : null,
      ]
        .filter(Boolean)
        .join("  "),
    ],
    ["proof", entitlement.proof.length === 0 ? "(none: the only leaf)" : entitlement.proof.join("\n")],
  ]);
}

export const entitlementShow: Command = {
  name: "entitlement",
  args: ["<round>", "<address>"],
  summary: "an address's entitlement in a round, with its Merkle proof; --verify checks it locally",
  details:
    "--verify recomputes the leaf from the entitlement's holding and amount (API.md's leaf encoding), folds " +
    "the proof into a root and compares it with the round's published merkleRoot (GET /v1/rounds/{id}). " +
    `Exits ${EXIT.CHECK_FAILED} when they differ.`,
  options: { verify: { type: "boolean", description: "check the proof against the round's published root" } },
  async run(ctx) {
    const roundId = requireRoundId(ctx.args[0]);
    const address = parseAddress(ctx.args[1]);
    const entitlement = await ctx.client.get<Entitlement>(
      `/v1/rounds/${roundId}/entitlements/${address.base58}`,
    );
    if (entitlement.roundId !== roundId || entitlement.address !== address.base58) {
      throw new CliError(
        EXIT.API_ERROR,
        "the gateway answered with another round's or address's entitlement",
        {
          code: "MISMATCHED_ANSWER",
        },
      );
    }
    if (!ctx.options.verify) {
      if (ctx.json) ctx.printJson(entitlement);
      else ctx.print(describe(entitlement));
      return EXIT.OK;
    }
    const round = await ctx.client.get<Round>(`/v1/rounds/${roundId}`);
    const verification = verify(entitlement, round, address.bytes);
    if (ctx.json) ctx.printJson({ ...entitlement, verification });
    else {
      ctx.print(describe(entitlement));
      if (verification.ok) {
        ctx.print(
          `\n✓ verified: the leaf and its proof lead to the round's published root ${verification.publishedRoot}`,
        );
      }
    }
    if (verification.ok) return EXIT.OK;
    throw new CliError(
      EXIT.CHECK_FAILED,
      `VERIFICATION FAILED: ${verification.reason} (recomputed ${verification.computedRoot ?? "no root"}, ` +
        `published ${verification.publishedRoot || "none"})`,
      { code: "VERIFICATION_FAILED", ...verification },
    );
  },
};
