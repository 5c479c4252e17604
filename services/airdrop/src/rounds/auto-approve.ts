/**
 * The demo's auto-approve policy is refused unless the chain is the devnet (ARCHITECTURE.md flow 2):
 * a real java-tron node or TronGrid has no /devnet routes, so the service stops at start instead of
 * paying without operators.
 */
export async function assertDevnet(fullHost: string): Promise<void> {
  let devnet = false;
  try {
    const response = await fetch(`${fullHost.replace(/\/+$/, "")}/devnet/accounts`, {
      signal: AbortSignal.timeout(5000),
    });
    devnet = response.ok && Array.isArray(await response.json());
  } catch {
    devnet = false;
  }
  if (!devnet) {
    throw new Error(
      `AIRDROP_AUTO_APPROVE is refused: the chain at ${new URL(fullHost).origin} is not the development chain; rounds need operator approvals`,
    );
  }
}
