import { randomBytes } from "node:crypto";
import fc from "fast-check";
import secp256k1 from "secp256k1";
import { afterAll, describe, expect, it } from "vitest";
import { privateKeyToAddressHex, recoverSigner } from "../src/protocol/crypto.js";
import { SignerPrefetch, takePrefetchedSigner } from "../src/protocol/signer-prefetch.js";

// The broadcast path recovers signers on a worker thread ahead of the chain; what it memoises
// must be exactly what recoverSigner computes inline, for good and bad signatures alike, and a
// prefetch must always end (even when the worker is gone).

const prefetch = new SignerPrefetch();
afterAll(async () => {
  await prefetch.close();
});

const run = (digest: Uint8Array, signature: Uint8Array) =>
  new Promise<void>((resolve) => prefetch.prefetch(digest, signature, resolve));

function sign(digest: Uint8Array, key: Buffer, v: number): Buffer {
  const { signature, recid } = secp256k1.ecdsaSign(digest, key);
  return Buffer.concat([Buffer.from(signature), Buffer.from([recid + v])]);
}

describe("signer prefetch", () => {
  it("memoises the same signer recoverSigner finds inline, then forgets it", async () => {
    const key = randomBytes(32);
    const digest = randomBytes(32);
    for (const v of [0, 27]) {
      const signature = sign(digest, key, v);
      await run(digest, signature);
      expect(takePrefetchedSigner(digest, signature)).toBe(privateKeyToAddressHex(key.toString("hex")));
      expect(takePrefetchedSigner(digest, signature)).toBeUndefined();
      // inline, no memo: the same answer
      expect(recoverSigner(digest, signature)).toBe(privateKeyToAddressHex(key.toString("hex")));
    }
  });

  it("agrees with inline recovery on arbitrary signatures, batched", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.uint8Array({ minLength: 32, maxLength: 32 }),
            fc.uint8Array({ minLength: 65, maxLength: 65 }),
          ),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        async (pairs) => {
          // half of them valid signatures, the rest random bytes (mostly unrecoverable)
          const inputs = pairs.map(([digest, bytes], i) =>
            i % 2 === 0
              ? { digest, signature: sign(digest, randomBytes(32), 27) }
              : { digest, signature: bytes },
          );
          await Promise.all(inputs.map(({ digest, signature }) => run(digest, signature)));
          for (const { digest, signature } of inputs) {
            const memoised = takePrefetchedSigner(digest, signature);
            const v = signature[64] ?? 0;
            const recid = v >= 27 ? v - 27 : v;
            // recoverSigner refuses a bad recovery id before it looks at the memo
            if (recid === 0 || recid === 1) expect(memoised).toBe(recoverSigner(digest, signature));
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a signature for another digest is not taken from the memo", async () => {
    const key = randomBytes(32);
    const digest = randomBytes(32);
    const signature = sign(digest, key, 27);
    await run(digest, signature);
    const other = randomBytes(32);
    expect(takePrefetchedSigner(other, signature)).toBeUndefined();
    expect(recoverSigner(other, signature)).not.toBe(privateKeyToAddressHex(key.toString("hex")));
    takePrefetchedSigner(digest, signature);
  });

  it("releases every waiting prefetch when closed, and answers at once afterwards", async () => {
    const closing = new SignerPrefetch();
    const pending = Array.from({ length: 50 }, () => {
      const digest = randomBytes(32);
      return new Promise<void>((resolve) =>
        closing.prefetch(digest, sign(digest, randomBytes(32), 0), resolve),
      );
    });
    await closing.close();
    await Promise.all(pending);
    const digest = randomBytes(32);
    await new Promise<void>((resolve) => closing.prefetch(digest, sign(digest, randomBytes(32), 0), resolve));
  });
});

describe("signer prefetch failure", () => {
  it("reports a worker that dies and keeps answering", async () => {
    const failures: Error[] = [];
    const dying = new SignerPrefetch((error) => failures.push(error));
    // @ts-expect-error reaching into the worker to kill it as a crash would
    await dying.worker.terminate();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failures.length).toBe(1);
    const digest = randomBytes(32);
    await new Promise<void>((resolve) => dying.prefetch(digest, sign(digest, randomBytes(32), 0), resolve));
    await dying.close();
    expect(failures.length).toBe(1);
  });
});
