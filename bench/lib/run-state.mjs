// What every bench run starts and must stop: a teardown list (run in reverse, once, even on
// failure or Ctrl-C) and a fresh database on DATABASE_URL's server or the embedded one.
import path from "node:path";
import pg from "pg";
import { startPostgres } from "../../infra/stack/lib/backing.mjs";
import { STATE_DIR } from "../../infra/stack/lib/tools.mjs";

/** `push(stop)` registers a stop; `run()` stops everything in reverse order, once. */
export function createTeardown(label) {
  const stops = [];
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error(`${label}: teardown: ${error.message}`);
      }
    }
  };
  for (const signal of ["SIGINT", "SIGTERM"])
    process.once(signal, () => {
      console.error(`${label}: ${signal}: tearing down`);
      run().finally(() => process.exit(130));
    });
  return { push: (stop) => stops.push(stop), run };
}

/** A fresh database named `btt_bench_<prefix>_…`, dropped at teardown. */
export async function benchDatabase(teardown, prefix) {
  const server = await startPostgres({ dataDir: path.join(STATE_DIR, "bench-postgres"), port: 19432 });
  teardown.push(() => server.stop());
  const name = `btt_bench_${prefix}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  teardown.push(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}
