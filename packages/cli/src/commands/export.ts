import { once } from "node:events";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { type Command, requireRoundId } from "../command.js";
import { EXIT, GatewayUnreachableError } from "../errors.js";

export const exportRound: Command = {
  name: "export",
  args: ["<round>"],
  summary: "the round's whole entitlement table as CSV on stdout (btt export <round> > file.csv)",
  details:
    "Streams GET /v1/rounds/{id}/entitlements with Accept: text/csv as it arrives, never holding the " +
    "table in memory. Columns: address,liquid,frozen,unfreezing,total,amount,leafIndex,txId (base units). " +
    "The CSV is the machine-readable form: --json changes only how errors are reported.",
  async run(ctx) {
    const id = requireRoundId(ctx.args[0]);
    const body = await ctx.client.stream(`/v1/rounds/${id}/entitlements`, "text/csv");
    try {
      for await (const chunk of Readable.fromWeb(body as WebReadableStream<Uint8Array>)) {
        if (!ctx.io.stdout.write(chunk as Uint8Array)) await once(ctx.io.stdout, "drain");
      }
    } catch (error) {
      // a cut-off table must not pass for a whole one: the exit code says it did not arrive
      const cause = error instanceof Error ? error.message : String(error);
      throw new GatewayUnreachableError(ctx.client.gatewayUrl, `the export was cut off: ${cause}`);
    }
    return EXIT.OK;
  },
};
