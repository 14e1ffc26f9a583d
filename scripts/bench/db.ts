// `npm run bench:db`: the database benchmarks on Postgres (DATABASE_URL), in one run — chat
// sync and usage dashboards, then the run queue. Each creates and drops its own database.
import { runDbCoreBench } from "./db-core"
import { runDbQueueBench } from "./db-queue"

const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) {
  console.error(
    "bench:db: set DATABASE_URL to a Postgres server (throwaway databases are created on it)"
  )
  process.exit(1)
}
await runDbCoreBench(databaseUrl)
console.log()
await runDbQueueBench(databaseUrl)
