// The demo's story as assertions, through the public API only (HTTP against the running stack)
// and TronWeb's view of the chain (the devnet's java-tron HTTP API): the initial airdrop paid every
// recipient exactly its entitlement on chain, Σ = pool, every proof verifies against the published
// root, the ledger's invariants and custody reconciliation hold, statements explain every balance.
import assert from "node:assert/strict";
import { TronWeb } from "tronweb";
import { auditAirdropPayments } from "../lib/chain-audit.mjs";
import { leafHash, rootFromProof, rootOf } from "../lib/merkle.mjs";
import { apiClient, eventually } from "../lib/stack-harness.mjs";

const BTT_TOKEN_ID = "1002000";
const PARALLEL = 16;

async function mapLimited(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

function parseCsv(text) {
  const [header, ...lines] = text.trimEnd().split("\n");
  const columns = header.split(",");
  return {
    columns,
    rows: lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [columns[i], v]))),
  };
}

const sum = (values) => values.reduce((a, b) => a + BigInt(b), 0n);

/**
 * `ctx.stack`: the running stack's stack.json; `ctx.demo`: its demo.json (the initial round, the
 * Speed parties). Call after the demo printed "Speed traffic is live".
 */
export async function e2eSuite(t, { stack, demo }) {
  const api = apiClient(stack);
  const tronWeb = new TronWeb({ fullHost: stack.tronFullHost });
  const chainGet = async (pathname, body) => {
    const response = await fetch(`${stack.tronFullHost}${pathname}`, {
      method: "POST",
      body: JSON.stringify({ ...body, visible: true }),
      signal: AbortSignal.timeout(30_000),
    });
    return response.json();
  };

  await t.test("the independent Merkle verifier reproduces API.md's golden vector", () => {
    const roundId = "5f0c6a1e-8f2b-4c3d-9a7e-1b2c3d4e5f60";
    const leaves = [
      ["TBvJUBXorwBPzqvV38vjDgegj5Eh6g2Tsq", "250000000", "5000000000", "1000000", "525100"],
      ["TCLBgkbfVkJroVBJVqBEsxtPNQEQMTQCLQ", "1000000", "0", "0", "100"],
      ["TJRabPrwbZy45sbavfcjinPJC18kjpRTv8", "7", "0", "0", "1"],
    ].map(([address, liquid, frozen, unfreezing, amount]) =>
      leafHash(roundId, { address, liquid, frozen, unfreezing, amount }),
    );
    assert.equal(
      leaves[2].toString("hex"),
      "413a7d1e890a357ca1277ca02753bc51440c00dd2676e50bd666e432278aa6b3",
    );
    const root = "f99d240268a2021035ac34c7108e73404ff02fbafe6f2dbd51ea77c5f5a8814b";
    assert.equal(rootOf(leaves), root);
    assert.equal(
      rootFromProof(leaves[2], 2, ["12e5ff94fdaf87ef93fbaaaabca57e7df587ce91ce7ae5fd9f4a487977748a60"], 3),
      root,
    );
  });

  const entry = (await api.get("/v1/schedule")).body.entries.find((e) => e.kind === "initial");
  const round = (await api.get(`/v1/rounds/${entry.roundId}`, "exchange")).body;
  const csv = await api.call("GET", `/v1/rounds/${round.id}/entitlements`, {
    role: "exchange",
    headers: { Accept: "text/csv" },
    expect: 200,
  });
  const table = parseCsv(csv.body);

  await t.test("the initial entry is completed: Σ of the table = distributed, + undistributed = pool", () => {
    assert.equal(entry.status, "completed");
    assert.equal(round.status, "completed");
    assert.equal(round.id, demo.round.id);
    assert.deepEqual(table.columns, [
      "address",
      "liquid",
      "frozen",
      "unfreezing",
      "total",
      "amount",
      "leafIndex",
      "txId",
    ]);
    const paid = table.rows.filter((r) => BigInt(r.amount) > 0n);
    assert.equal(paid.length, round.recipients);
    assert.equal(round.progress.confirmed, round.recipients);
    assert.equal(sum(table.rows.map((r) => r.amount)), BigInt(round.distributed));
    assert.equal(BigInt(round.distributed) + BigInt(round.undistributed), BigInt(round.pool));
    // the 1:1 rule: a pool that covers everyone pays each holding in full; otherwise all of it
    if (round.ratio.numerator === round.ratio.denominator)
      assert.equal(BigInt(round.distributed), BigInt(round.eligibleTotal));
    else assert.equal(BigInt(round.distributed), BigInt(round.pool));
    for (const r of table.rows) {
      assert.equal(BigInt(r.total), BigInt(r.liquid) + BigInt(r.frozen) + BigInt(r.unfreezing));
      assert.ok(BigInt(r.amount) <= BigInt(r.total), `${r.address} is owed more than it holds`);
    }
  });

  await t.test("the published root is the root of the exported table, and every proof verifies", async () => {
    const leaves = table.rows
      .filter((r) => BigInt(r.amount) > 0n)
      .sort((a, b) => Number(a.leafIndex) - Number(b.leafIndex));
    for (const [i, r] of leaves.entries()) assert.equal(Number(r.leafIndex), i);
    assert.equal(rootOf(leaves.map((r) => leafHash(round.id, r))), round.merkleRoot);
    let verified = 0;
    for (let i = 0; i < leaves.length; i += 1000) {
      const addresses = leaves.slice(i, i + 1000).map((r) => r.address);
      const { body } = await api.post(
        `/v1/rounds/${round.id}/entitlements/lookup`,
        { addresses },
        "exchange",
        {
          expect: 200,
        },
      );
      for (const e of body.items) {
        assert.equal(e.merkleRoot, round.merkleRoot);
        const leaf = leafHash(round.id, { address: e.address, ...e.holding, amount: e.amount });
        assert.equal(
          rootFromProof(leaf, e.leafIndex, e.proof, round.recipients),
          round.merkleRoot,
          e.address,
        );
        verified += 1;
      }
    }
    assert.equal(verified, round.recipients);
  });

  await t.test(
    "on chain, every recipient got exactly its entitlement, once, in a solidified block",
    async () => {
      const distributor = round.exclusions.find((x) => /distribut/.test(x.reason))?.address;
      assert.ok(distributor, "the round names its distributing account among the exclusions");
      const recipients = table.rows.filter((r) => BigInt(r.amount) > 0n);
      const txIds = new Set();
      await mapLimited(recipients, PARALLEL, async (r) => {
        assert.match(r.txId, /^[0-9a-f]{64}$/, `${r.address} has no txid`);
        txIds.add(r.txId);
        const tx = await chainGet("/walletsolidity/gettransactionbyid", { value: r.txId });
        const transfer = tx.raw_data?.contract?.[0];
        assert.equal(
          transfer?.type,
          "TransferAssetContract",
          `${r.txId}: ${JSON.stringify(tx).slice(0, 300)}`,
        );
        const v = transfer.parameter.value;
        assert.equal(v.to_address, r.address);
        assert.equal(v.owner_address, distributor);
        assert.equal(v.asset_name, BTT_TOKEN_ID);
        assert.equal(BigInt(v.amount), BigInt(r.amount));
        assert.equal(tx.ret?.[0]?.contractRet, "SUCCESS");
      });
      // and the other way round: every BTT transfer the distributor made since the snapshot is one
      // of the tables' confirmed rows — nothing paid twice, nothing paid that no table explains
      const audit = await auditAirdropPayments({
        api,
        fullHost: stack.tronFullHost,
        distributor,
        fromHeight: round.snapshotHeight,
      });
      assert.deepEqual(audit.problems, []);
      assert.ok(audit.onChain >= recipients.length);
      assert.equal(txIds.size, recipients.length, "one transaction per recipient");
      // TronWeb, as an exchange would use it, sees the same transfer
      const sample = recipients[Math.floor(recipients.length / 2)];
      const info = await tronWeb.trx.getTransactionInfo(sample.txId);
      assert.ok(info.blockNumber > round.snapshotHeight);
    },
  );

  await t.test("the ledger's invariants and the custody reconciliation hold", async () => {
    const check = await eventually(
      "a balanced reconciliation",
      async () => {
        const { body } = await api.get("/v1/speed/ledger/check", "operator");
        return body.state === "balanced" ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.equal(check.invariants.ok, true);
    assert.equal(check.drift, "0");
    assert.equal(check.invariants.sumOfBalances, "0");
    assert.equal(BigInt(check.custodyOnChain), BigInt(check.owedAtHeight));
  });

  await t.test("every Speed party's statement explains its balance", async () => {
    const parties = [...demo.speed.downloaders, ...demo.speed.seeders];
    for (const address of parties) {
      // a quiet moment per account: the demo's traffic goes on, so read until two reads agree
      const { account, statement } = await eventually(`a stable read of ${address}`, async () => {
        const before = (await api.get(`/v1/speed/accounts/${address}`)).body;
        const entries = await api.all(`/v1/speed/accounts/${address}/statement`);
        const after = (await api.get(`/v1/speed/accounts/${address}`)).body;
        return JSON.stringify(before) === JSON.stringify(after)
          ? { account: after, statement: entries }
          : undefined;
      });
      const balance = BigInt(account.available) + BigInt(account.locked);
      let running = 0n;
      for (const line of statement) {
        running += BigInt(line.amount);
        assert.equal(BigInt(line.balanceAfter), running, `${address} seq ${line.seq}`);
      }
      assert.equal(
        running,
        balance,
        `${address}: the statement sums to ${running}, the balance is ${balance}`,
      );
      const inflows =
        BigInt(account.deposited) +
        BigInt(account.earned) +
        BigInt(account.rewards) +
        BigInt(account.granted);
      const outflows = BigInt(account.spent) + BigInt(account.withdrawn) + BigInt(account.withdrawing);
      assert.equal(balance, inflows - outflows, `${address}: ${JSON.stringify(account)}`);
    }
  });
}
