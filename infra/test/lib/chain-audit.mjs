// What the chain itself says was paid: every BTT transfer from one account in solidified blocks,
// read through java-tron's HTTP API (walletsolidity/getblockbylimitnext, 100 blocks a call). The
// suites compare it with what the API says is owed, so a payment made twice or never is caught on
// chain, not in the service's own bookkeeping.
const BTT_TOKEN_ID = "1002000";
const BLOCKS_PER_CALL = 100;

async function post(fullHost, pathname, body) {
  const response = await fetch(`${fullHost}${pathname}`, {
    method: "POST",
    body: JSON.stringify({ ...body, visible: true }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`${pathname}: HTTP ${response.status}`);
  return response.json();
}

/** The solidified head's number. */
export async function solidifiedHead(fullHost) {
  const block = await post(fullHost, "/walletsolidity/getnowblock", {});
  return block.block_header.raw_data.number;
}

/**
 * Successful BTT transfers from `from` in solidified blocks [fromHeight, head]: per recipient the
 * count, the total and the txids, and in all `transfers` (txId, to, amount, memo, block).
 */
export async function transfersFrom(fullHost, from, fromHeight) {
  const head = await solidifiedHead(fullHost);
  const transfers = [];
  for (let start = fromHeight; start <= head; start += BLOCKS_PER_CALL) {
    const end = Math.min(start + BLOCKS_PER_CALL, head + 1);
    const { block = [] } = await post(fullHost, "/walletsolidity/getblockbylimitnext", {
      startNum: start,
      endNum: end,
    });
    for (const b of block) {
      for (const tx of b.transactions ?? []) {
        const contract = tx.raw_data.contract[0];
        if (contract.type !== "TransferAssetContract" || tx.ret?.[0]?.contractRet !== "SUCCESS") continue;
        const v = contract.parameter.value;
        if (v.owner_address !== from || v.asset_name !== BTT_TOKEN_ID) continue;
        transfers.push({
          txId: tx.txID,
          to: v.to_address,
          amount: BigInt(v.amount),
          memo: /^([0-9a-f]{2})*$/.test(tx.raw_data.data ?? "")
            ? Buffer.from(tx.raw_data.data ?? "", "hex").toString("utf8")
            : tx.raw_data.data,
          block: b.block_header.raw_data.number,
        });
      }
    }
  }
  const byRecipient = new Map();
  for (const t of transfers) {
    const entry = byRecipient.get(t.to) ?? { count: 0, total: 0n, txIds: [] };
    entry.count += 1;
    entry.total += t.amount;
    entry.txIds.push(t.txId);
    byRecipient.set(t.to, entry);
  }
  return { head, transfers, byRecipient };
}

/**
 * Every airdrop payment on chain against every round's table (API.md CSV export): the distributor's
 * solidified transfers are exactly the tables' confirmed txids, each to its row's address for its
 * row's amount — none twice, none missing, none unexplained. Call when no round is distributing.
 */
export async function auditAirdropPayments({ api, fullHost, distributor, fromHeight }) {
  const rounds = await api.all("/v1/rounds", "exchange");
  const expected = new Map();
  let rows = 0;
  for (const round of rounds) {
    if (round.dryRun || round.merkleRoot === null) continue;
    const csv = await api.call("GET", `/v1/rounds/${round.id}/entitlements`, {
      role: "exchange",
      headers: { Accept: "text/csv" },
      expect: 200,
    });
    const [header, ...lines] = csv.body.trimEnd().split("\n");
    const columns = header.split(",");
    for (const line of lines) {
      const row = Object.fromEntries(line.split(",").map((v, i) => [columns[i], v]));
      if (!row.txId) continue;
      rows += 1;
      if (expected.has(row.txId)) throw new Error(`txid ${row.txId} is in two tables' rows`);
      expected.set(row.txId, { round: round.id, to: row.address, amount: BigInt(row.amount) });
    }
  }
  const chain = await transfersFrom(fullHost, distributor, fromHeight);
  // the payout engine's memo is btt:airdrop:<payment>:<attempt>; the distributor's other transfers
  // (the demo funding its pools from it) are not payments of a round
  const payments = chain.transfers.filter((t) => t.memo.startsWith("btt:airdrop:"));
  const problems = [];
  const seen = new Set();
  for (const t of payments) {
    const row = expected.get(t.txId);
    if (!row) problems.push(`on chain but in no table: ${t.txId} → ${t.to} ${t.amount} (${t.memo})`);
    else if (row.to !== t.to || row.amount !== t.amount)
      problems.push(`${t.txId} paid ${t.to} ${t.amount}; the table says ${row.to} ${row.amount}`);
    seen.add(t.txId);
  }
  for (const [txId, row] of expected)
    if (!seen.has(txId)) problems.push(`round ${row.round} names ${txId} (${row.to}) but it is not on chain`);
  const roundsPaid = new Map();
  for (const t of payments)
    roundsPaid.set(t.to, [...(roundsPaid.get(t.to) ?? []), expected.get(t.txId)?.round]);
  for (const [to, paid] of roundsPaid)
    if (new Set(paid).size !== paid.length)
      problems.push(`${to} was paid ${paid.length} times for ${new Set(paid).size} rounds`);
  return {
    rounds: rounds.length,
    confirmedRows: rows,
    onChain: payments.length,
    otherTransfers: chain.transfers.length - payments.length,
    head: chain.head,
    problems,
  };
}
