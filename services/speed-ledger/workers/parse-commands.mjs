// The command-parsing worker of the speed ledger's consumer (src/messaging/command-parser.ts).
// Plain JavaScript so that the same file serves the built service and the TypeScript sources under
// vitest. It computes a pure function of each message value: @btt/shared's parseSpeedCommandValue
// (envelope and payload schemas, RFC 8785 form, digest, signer recovery), which the consumer's
// thread runs itself when there is no worker.
import { parentPort } from "node:worker_threads";
import { parseSpeedCommandValue } from "@btt/shared/events";

if (!parentPort) throw new Error("parse-commands.mjs runs as a worker thread");
const port = parentPort;

// A batch: the message values end to end in `bytes`, value i ending at ends[i].
port.on("message", ({ id, bytes, ends }) => {
  const results = new Array(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i += 1) {
    results[i] = parseSpeedCommandValue(bytes.subarray(start, ends[i]));
    start = ends[i];
  }
  port.postMessage({ id, results });
});
