import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Verdict } from "./ledger/apply-commands.js";

/** The ledger's own Prometheus metrics, on the app's registry (`/metrics`). */
export class LedgerMetrics {
  readonly commands: Counter<"type" | "status" | "reason">;
  readonly acceptance: Histogram;
  readonly deadLettered: Counter;
  readonly deposits: Counter<"credited">;
  readonly drift: Gauge;
  readonly withdrawalsHalted: Gauge;

  constructor(registry: Registry) {
    this.commands = new Counter({
      name: "speed_commands_total",
      help: "Speed commands applied, by type and verdict (duplicates answered again count as status=duplicate)",
      labelNames: ["type", "status", "reason"] as const,
      registers: [registry],
    });
    this.acceptance = new Histogram({
      name: "speed_command_acceptance_seconds",
      help: "From the gateway receiving a command to its verdict committing in the ledger",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: "speed_commands_dead_lettered_total",
      help: "Messages sent to speed.commands.dlq",
      registers: [registry],
    });
    this.deposits = new Counter({
      name: "speed_deposits_total",
      help: "chain.deposits applied (credited = user, promotions, rewards or ignored)",
      labelNames: ["credited"] as const,
      registers: [registry],
    });
    this.drift = new Gauge({
      name: "speed_reconciliation_drift_base_units",
      help: "Custody BTT on chain minus what the ledger owes, at the last evaluated height",
      registers: [registry],
    });
    this.withdrawalsHalted = new Gauge({
      name: "speed_withdrawals_halted",
      help: "1 while a reconciliation drift halts withdrawals",
      registers: [registry],
    });
  }

  observe(
    run: { verified: { command: { type: string } }; receivedAt: number | null }[],
    verdicts: Verdict[],
  ): void {
    const now = Date.now();
    run.forEach((item, i) => {
      const v = verdicts[i];
      if (!v) return;
      const status = v.duplicate ? "duplicate" : v.status;
      this.commands.inc({
        type: item.verified.command.type,
        status,
        reason: v.status === "rejected" ? v.reason : "",
      });
      if (item.receivedAt !== null && Number.isFinite(item.receivedAt) && !v.duplicate)
        this.acceptance.observe(Math.max(0, now - item.receivedAt) / 1000);
    });
  }
}
