// Lean HTTP/1.1 load for the benchmarks: keep-alive sockets, one request in flight on each (no
// pipelining), every request written as one pre-built buffer, replies framed by Content-Length.
// fetch() costs this box ≈ 0.8 ms of client CPU per request (undici's web streams and GC) and
// http.request ≈ 0.2 ms: either would measure the client as much as the server. The server still
// receives and answers every request as an ordinary HTTP request on a keep-alive connection.
//
// Two ways to drive it:
// - closedLoop: `connections` sockets, each sending its next request when the last is answered
//   (the maximum rate);
// - openLoop: requests fall due at a fixed rate, evenly spaced, whether or not earlier ones were
//   answered; latency counts from when a request fell due, so time spent queued behind a slow
//   reply is counted (no coordinated omission). autocannon's `overallRate` is not this: each of
//   its connections sends back to back until it has used its share of the second, then waits for
//   the next second, so "half rate" is full rate half of the time.
import net from "node:net";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

/** `METHOD path` with headers and an optional body, as the bytes written to the socket. */
export function requestBytes(url, { method = "GET", path, headers = {}, body }) {
  const { hostname, port } = new URL(url);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body ?? ""}`);
}

/** One keep-alive socket; `send` resolves with { status, body } for the next reply. */
function connection(url) {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
  let buffered = Buffer.alloc(0);
  let waiting = null;
  let closed = false;
  const fail = (error) => {
    const w = waiting;
    waiting = null;
    w?.reject(error);
  };
  const ready = new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", fail);
  socket.on("close", () => {
    closed = true;
    fail(new Error("connection closed before the reply"));
  });
  socket.on("data", (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    const headerEnd = buffered.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const head = buffered.toString("latin1", 0, headerEnd);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1]);
    if (!Number.isInteger(length)) return fail(new Error(`reply without Content-Length: ${head}`));
    if (buffered.length < headerEnd + 4 + length) return;
    const status = Number(head.slice(9, 12));
    const body = buffered.subarray(headerEnd + 4, headerEnd + 4 + length);
    buffered = buffered.subarray(headerEnd + 4 + length);
    const w = waiting;
    waiting = null;
    w?.resolve({ status, body });
  });
  return {
    ready,
    /** The server closed it (an idle keep-alive connection times out): open another. */
    get closed() {
      return closed;
    },
    send(bytes) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(bytes);
      });
    },
    close: () => socket.end(),
  };
}

/**
 * Sends every request of `requests` (buffers) over `connections` sockets as fast as they are
 * answered; `onReply({ status, body }, i)` sees each reply. Returns the elapsed seconds.
 */
export async function closedLoop(url, requests, connections, onReply) {
  const sockets = Array.from({ length: connections }, () => connection(url));
  await Promise.all(sockets.map((s) => s.ready));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    sockets.map(async (socket) => {
      while (next < requests.length) {
        const i = next++;
        onReply(await socket.send(requests[i]), i);
      }
      socket.close();
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * Open loop: `rate` requests/s for `seconds`, evenly spaced; request i is `requestAt(i)` (a
 * buffer). Up to `connections` sockets, opened up front; a request falling due while all are busy
 * waits for one, and that wait is part of its latency. Returns the latencies (ms, sorted), the
 * count of non-2xx replies and the rate achieved.
 */
export async function openLoop(url, { rate, seconds, requestAt, connections = 64 }) {
  const sockets = Array.from({ length: connections }, () => connection(url));
  await Promise.all(sockets.map((s) => s.ready));
  const idle = [...sockets];
  const queue = []; // due requests waiting for a socket: { i, due }
  const latencies = [];
  let non2xx = 0;
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const started = performance.now();
  let scheduled = 0;
  let answered = 0;
  let finish;
  const done = new Promise((resolve, reject) => {
    finish = { resolve, reject };
  });

  const dispatch = () => {
    while (queue.length > 0 && idle.length > 0) {
      const { i, due } = queue.shift();
      let socket = idle.pop();
      if (socket.closed) socket = connection(url);
      socket.send(requestAt(i)).then(
        ({ status }) => {
          latencies.push(performance.now() - due);
          if (status < 200 || status > 299) non2xx += 1;
          idle.push(socket);
          answered += 1;
          if (answered === total) finish.resolve();
          else dispatch();
        },
        (error) => finish.reject(error),
      );
    }
  };
  const tick = () => {
    const now = performance.now();
    while (scheduled < total && started + scheduled * interval <= now) {
      queue.push({ i: scheduled, due: started + scheduled * interval });
      scheduled += 1;
    }
    dispatch();
    if (scheduled < total) setTimeout(tick, Math.max(0, started + scheduled * interval - performance.now()));
  };
  tick();
  await done;
  const elapsed = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.close();
  latencies.sort((a, b) => a - b);
  return { latencies, non2xx, achievedRate: total / elapsed, total };
}

/**
 * openLoop on a worker thread of its own, cycling through `requests` (buffers): the load client
 * then has its own heap and event loop, so a garbage collection or a busy moment of the calling
 * process (a benchmark holding 40,000 signed bodies and autocannon's leftovers) is not taken for
 * the server's latency.
 */
export function openLoopInWorker(url, { rate, seconds, requests, connections = 64 }) {
  const lengths = requests.map((b) => b.length);
  const packed = new Uint8Array(lengths.reduce((s, n) => s + n, 0));
  let at = 0;
  for (const b of requests) {
    packed.set(b, at);
    at += b.length;
  }
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { openLoop: { url, rate, seconds, connections, packed: packed.buffer, lengths } },
    transferList: [packed.buffer],
  });
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`open-loop worker exited with ${code}`)));
  });
}

if (!isMainThread && workerData?.openLoop) {
  const { url, rate, seconds, connections, packed, lengths } = workerData.openLoop;
  const bytes = Buffer.from(packed);
  const requests = [];
  let at = 0;
  for (const n of lengths) {
    requests.push(bytes.subarray(at, at + n));
    at += n;
  }
  const result = await openLoop(url, {
    rate,
    seconds,
    connections,
    requestAt: (i) => requests[i % requests.length],
  });
  parentPort.postMessage(result);
}

/** The q-quantile (0..1) of sorted values (nearest rank). */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
