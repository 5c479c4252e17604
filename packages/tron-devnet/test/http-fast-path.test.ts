import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeVarint, ProtoWriter } from "../src/protocol/protobuf.js";
import { encodeTransactionBytes, transactionSize } from "../src/protocol/transaction.js";
import { startTestChain, type TestChain } from "./helpers.js";

// POSTs to /wallet* are answered by a node:http fast path; everything it declines (GET, a query
// string, compressed bodies, other charsets) goes to the Express routes. Both must give the same
// reply text, and the hot-path codec must write the same bytes as the reference encoding.

let t: TestChain;
beforeAll(async () => {
  t = await startTestChain();
  await t.devnet.mine(2);
});
afterAll(async () => {
  await t.devnet.stop();
});

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.devnet.url}${path}`, { method: "POST", body, headers });
  return { type: res.headers.get("content-type"), text: await res.text(), status: res.status };
}

describe("wallet fast path", () => {
  it("answers exactly as the Express route does", async () => {
    const cases: [string, string][] = [
      ["/wallet/getnowblock", ""],
      ["/wallet/getblock", '{"detail":false}'],
      ["/wallet/getaccount", JSON.stringify({ address: t.accounts[0]?.address, visible: true })],
      ["/walletsolidity/getaccount", JSON.stringify({ address: t.accounts[1]?.address })],
      ["/wallet/getassetissuebyid", '{"value":"1002000","int64_as_string":true}'],
      ["/wallet/broadcasttransaction", '{"raw_data":{"contract":[]},"signature":[]}'],
      ["/wallet/broadcasttransaction", "{not json"],
      ["/wallet/getblockbynum", '{"num":"x"}'],
    ];
    for (const [path, body] of cases) {
      const fast = await post(path, body, { "content-type": "application/json" });
      // a query string (even an empty one) routes the same request through Express
      const viaExpress = await post(`${path}?`, body, { "content-type": "application/json" });
      const gzipped = await post(path, gzipSync(body), {
        "content-type": "application/json",
        "content-encoding": "gzip",
      });
      expect(fast.status).toBe(200);
      expect(fast.type).toBe("application/json; charset=utf-8");
      expect(fast.text).toBe(viaExpress.text);
      expect(gzipped.text).toBe(fast.text);
    }
  });

  it("broadcasts through the fast path with java-tron's reply shapes", async () => {
    const tw = t.tronWeb();
    const tx = await tw.transactionBuilder.sendToken(t.accounts[3]?.address as string, 1, "1002000");
    const signed = await tw.trx.sign(tx);
    const body = JSON.stringify(signed);
    const first = await post("/wallet/broadcasttransaction", body);
    expect(JSON.parse(first.text)).toEqual({ result: true, txid: signed.txID });
    const again = await post("/wallet/broadcasttransaction", body);
    expect(JSON.parse(again.text)).toEqual({
      code: "DUP_TRANSACTION_ERROR",
      message: Buffer.from("Dup transaction.").toString("hex"),
      txid: signed.txID,
    });
  });
});

describe("protobuf writer", () => {
  it("writes varints as the reference encoder does, for every int64 and number form", () => {
    const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    fc.assert(
      fc.property(int64, fc.integer({ min: 1, max: 268_435_455 }), (v, field) => {
        const expected =
          v === 0n ? "" : Buffer.concat([encodeVarint(BigInt(field << 3)), encodeVarint(v)]).toString("hex");
        expect(new ProtoWriter(1).varint(field, v).finish().toString("hex")).toBe(expected);
        if (Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v) {
          expect(new ProtoWriter(1).varint(field, Number(v)).finish().toString("hex")).toBe(expected);
        }
      }),
    );
  });

  it("writes embedded messages in place as it writes pre-encoded ones", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        (inner, field, always) => {
          const reference = new ProtoWriter()
            .varint(1, 7)
            .message(field, inner, always)
            .varint(2, 9)
            .finish();
          const w = new ProtoWriter(1).varint(1, 7);
          const mark = w.begin(field);
          w.bytes(1, inner.length > 0 ? inner.subarray(1) : undefined);
          const inPlace = w.end(field, mark, always).varint(2, 9).finish();
          const expected = new ProtoWriter()
            .varint(1, 7)
            .message(
              field,
              new ProtoWriter().bytes(1, inner.length > 0 ? inner.subarray(1) : undefined).finish(),
              always,
            )
            .varint(2, 9)
            .finish();
          expect(inPlace.toString("hex")).toBe(expected.toString("hex"));
          expect(reference.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("sizes a transaction without encoding it", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70_000 }),
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }),
        (raw, sigs) => {
          const signatures = sigs.map((s) => Buffer.from(s));
          expect(transactionSize(Buffer.from(raw), signatures)).toBe(
            encodeTransactionBytes(Buffer.from(raw), signatures).length,
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});
