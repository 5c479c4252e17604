import type { IncomingMessage, ServerResponse } from "node:http";
import type { Chain } from "../chain/chain.js";
import type { SignerPrefetch } from "../protocol/signer-prefetch.js";
import { paramsOf } from "./params.js";
import { answerWallet, type WalletRoute } from "./wallet-routes.js";

/**
 * The `/wallet*` POST requests TronWeb sends (broadcasttransaction above all) answered straight
 * from node:http, without Express's router walk, body-parser stream plumbing and ETag hashing:
 * the same table, the same parameter parsing and the same reply text as the Express routes (which
 * stay mounted for everything this path declines: GET, query strings, other paths or spellings,
 * compressed or non-UTF-8 bodies, bodies over the limit).
 */

const BODY_LIMIT = 10 * 1024 * 1024; // as express.text({ limit: "10mb" })
const UTF8_CHARSET = /;\s*charset\s*=\s*"?utf-?8"?\s*(;|$)/i;

/** Whether Express's text parser would read this content type as UTF-8. */
function utf8Body(contentType: string | undefined): boolean {
  if (contentType === undefined || !/charset/i.test(contentType)) return true;
  return UTF8_CHARSET.test(contentType);
}

export type FastHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const BROADCAST = "/wallet/broadcasttransaction";
// Only a hint for the signer prefetch: a body these miss, or a txID that is not the real one,
// is recovered inline as before.
const TXID = /"txID"\s*:\s*"([0-9a-fA-F]{64})"/;
const FIRST_SIGNATURE = /"signature"\s*:\s*\[\s*"([0-9a-fA-F]{130})"/;

/** Returns false (having touched nothing) for requests the Express app must answer. */
export function walletFastPath(
  chain: Chain,
  routes: Map<string, WalletRoute>,
  prefetch?: SignerPrefetch,
): FastHandler {
  return (req, res) => {
    if (req.method !== "POST") return false;
    const route = routes.get(req.url ?? "");
    if (!route) return false;
    const headers = req.headers;
    const encoding = headers["content-encoding"];
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;
    if (!utf8Body(headers["content-type"])) return false;
    const declared = headers["content-length"];
    if (declared !== undefined && Number(declared) > BODY_LIMIT) return false;

    const chunks: Buffer[] = [];
    let size = 0;
    req.on("error", () => {}); // a client gone mid-body: nothing to answer
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        res.writeHead(413, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
        res.end("request entity too large");
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > BODY_LIMIT) return;
      const text =
        chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
      const reply = () => {
        const body = answerWallet(route, () => paramsOf({}, text));
        res.writeHead(200, {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(body),
        });
        res.end(body);
      };
      const answer = () => {
        if (chain.faults.latencyMs > 0) setTimeout(reply, chain.faults.latencyMs);
        else reply();
      };
      if (prefetch && req.url === BROADCAST) {
        const txId = TXID.exec(text)?.[1];
        const signature = txId ? FIRST_SIGNATURE.exec(text)?.[1] : undefined;
        if (txId && signature) {
          prefetch.prefetch(Buffer.from(txId, "hex"), Buffer.from(signature, "hex"), answer);
          return;
        }
      }
      answer();
    });
    return true;
  };
}
