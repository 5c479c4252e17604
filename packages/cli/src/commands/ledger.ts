import type { LedgerCheck } from "../api.js";
import type { Command } from "../command.js";
import { EXIT } from "../errors.js";
import { formatFields, formatOptionalUnits, formatTime } from "../format.js";

function btt(amount: string | null | undefined): string {
  return amount === null || amount === undefined ? "-" : `${formatOptionalUnits(amount)} BTT`;
}

export const ledgerCheck: Command = {
  name: "ledger check",
  args: [],
  summary: "the Speed ledger's invariants and its reconciliation with the custody account on chain",
  details: `Exits ${EXIT.CHECK_FAILED} when the gateway reports that the invariants do not hold (ok: false).`,
  async run(ctx) {
    const check = await ctx.client.get<LedgerCheck>("/v1/speed/ledger/check");
    const ok = check.ok === true && check.invariants?.ok !== false;
    if (ctx.json) ctx.printJson(check);
    else {
      const fields: [string, string][] = [
        ["verdict", ok ? "✓ the ledger invariants hold" : "✗ THE LEDGER INVARIANTS DO NOT HOLD"],
        ["state", check.state ?? "-"],
        ["reason", check.reason ?? "-"],
        ["evaluated at", formatTime(check.evaluatedAt)],
        ["custody on chain", btt(check.custodyOnChain)],
        ["drift", btt(check.drift)],
        ...Object.entries(check.totals ?? {}).map(([name, value]): [string, string] => [
          `totals.${name}`,
          btt(value),
        ]),
      ];
      ctx.print(formatFields(fields));
    }
    if (!ok) {
      ctx.io.stderr.write("btt: the ledger check failed: the invariants do not hold\n");
      return EXIT.CHECK_FAILED;
    }
    return EXIT.OK;
  },
};
