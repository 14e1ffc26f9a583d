// The projects pages' queries on Postgres, in a throwaway database:
//   1. the members tab of a project with 500 members (ops.list_project_members plus the
//      project summary the layout reads), target p95 < 100 ms;
//   2. the activity tab over 100,000 audit entries: the first page, a deep keyset page and a
//      page filtered by actor and action, target p95 < 100 ms each.
// Each request is what PostgREST runs for it (claims, role, the query) in one round trip. The
// yardstick, measured in the same run, is a 51-row index read of the same table without RLS.
// Usage: DATABASE_URL=… npm run bench:projects
import { randomBytes } from "node:crypto"
import path from "node:path"

import { openDatabase } from "@lmx/supabase-local/db/open"
import { prepareDatabase } from "@lmx/supabase-local/migrate"
import pg from "pg"

import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const OWNER = "5a000000-0000-4000-8000-000000000001"
const PROJECT = "5b000000-0000-4000-8000-000000000001"
const MEMBERS = 500
const AUDIT_ENTRIES = 100_000
const RUNS = 200
const ACTIONS = [
  "run.queued",
  "run.canceled",
  "member.role_changed",
  "invitation.created",
  "workflow.updated",
]

const CLAIMS = JSON.stringify({
  sub: OWNER,
  role: "authenticated",
  aud: "authenticated",
  email: "owner@bench.test",
})

async function prepare(url: string) {
  const db = await openDatabase({ engine: "postgres", url, poolSize: 2 })
  try {
    await prepareDatabase(db, {
      migrationsDir: path.join(root, "supabase/migrations"),
      seedFiles: [],
    })
  } finally {
    await db.close()
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`
      insert into auth.users (id, email, aud, role, raw_user_meta_data)
      values ('${OWNER}', 'owner@bench.test', 'authenticated', 'authenticated', '{"display_name": "Bench Owner"}');
      insert into auth.users (id, email, aud, role, raw_user_meta_data)
      select md5('bench-member-' || i)::uuid, 'member' || i || '@bench.test', 'authenticated', 'authenticated',
             jsonb_build_object('display_name', 'Member ' || i)
        from generate_series(2, ${MEMBERS}) as i;
      insert into ops.projects (id, name, slug, created_by) values ('${PROJECT}', 'Bench project', 'bench', '${OWNER}');
      insert into ops.project_memberships (project_id, user_id, role, created_at)
      select '${PROJECT}', md5('bench-member-' || i)::uuid,
             (array['admin', 'developer', 'developer', 'viewer'])[1 + i % 4], now() - i * interval '1 hour'
        from generate_series(2, ${MEMBERS}) as i;
      insert into public.audit_log (actor_user_id, action, target_type, target_id, project_id, details, created_at)
      select md5('bench-member-' || (2 + i % ${MEMBERS - 1}))::uuid,
             (array[${ACTIONS.map((a) => `'${a}'`).join(", ")}])[1 + i % ${ACTIONS.length}],
             'run', md5('bench-target-' || i)::uuid, '${PROJECT}', '{"workflow": "build"}',
             now() - i * interval '30 seconds'
        from generate_series(1, ${AUDIT_ENTRIES}) as i;
      analyze;
    `)
  } finally {
    await client.end()
  }
}

type Sample = { label: string; sql: string; asUser: boolean }

async function measure(client: pg.Client, { sql, asUser }: Sample) {
  const request = asUser
    ? `begin;
       select set_config('request.jwt.claims', '${CLAIMS}', true);
       set local role authenticated;
       ${sql};
       rollback;`
    : sql
  const samples: number[] = []
  let rows = 0
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now()
    const reply = (await client.query(request)) as unknown as pg.QueryResult | pg.QueryResult[]
    samples.push(performance.now() - started)
    rows = Array.isArray(reply) ? (reply[3]?.rowCount ?? 0) : (reply.rowCount ?? 0)
  }

  return { samples, rows }
}

async function bench(url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows: middle } = await client.query<{ created_at: Date; id: string }>(
      `select created_at, id from public.audit_log where project_id = '${PROJECT}'
        order by created_at desc, id desc offset ${AUDIT_ENTRIES / 2} limit 1`
    )
    const cursor = middle[0]!
    const at = cursor.created_at.toISOString()
    const page = (
      where: string
    ) => `select id, actor_user_id, actor_device_id, action, target_type, target_id, details, created_at
        from public.audit_log where project_id = '${PROJECT}' ${where}
       order by created_at desc, id desc limit 51`
    const cases: Sample[] = [
      {
        label: `members tab (${MEMBERS} members): list_project_members`,
        sql: `select * from ops.list_project_members('${PROJECT}')`,
        asUser: true,
      },
      {
        label: "members tab: the project summary the layout reads",
        sql: `select * from ops.project_summaries where slug = 'bench'`,
        asUser: true,
      },
      {
        label: `activity tab (${AUDIT_ENTRIES.toLocaleString("en")} entries): first page`,
        sql: page(""),
        asUser: true,
      },
      {
        label: "activity tab: a keyset page halfway down",
        sql: page(`and created_at <= '${at}' and (created_at < '${at}' or id < '${cursor.id}')`),
        asUser: true,
      },
      {
        label: "activity tab: filtered by actor and action group",
        sql: page(`and actor_user_id = md5('bench-member-7')::uuid and action like 'run.%'`),
        asUser: true,
      },
    ]
    const yardstick = await measure(client, {
      label: "yardstick",
      sql: page(""),
      asUser: false,
    })
    const yardstickP95 = percentile(yardstick.samples, 95)
    console.log(
      `  yardstick, the first page's index read as the table owner (no RLS, no claims), ${RUNS} runs: p50 ${formatMs(median(yardstick.samples))}, p95 ${formatMs(yardstickP95)}`
    )
    for (const sample of cases) {
      const { samples, rows } = await measure(client, sample)
      const p95 = percentile(samples, 95)
      console.log(
        `  ${sample.label}: ${rows} rows, p50 ${formatMs(median(samples))}, p95 ${formatMs(p95)} (${(p95 / yardstickP95).toFixed(1)}x the yardstick; target p95 < 100 ms)`
      )
      record({
        name: `projects.${sample.label
          .replace(/[^a-z0-9]+/gi, "_")
          .toLowerCase()
          .replace(/^_|_$/g, "")}.p95`,
        label: `${sample.label} p95`,
        value: p95,
        unit: "ms",
        yardstick: yardstickP95,
        target: "p95 < 100 ms",
        check: (value) => value < 100,
      })
    }
  } finally {
    await client.end()
  }
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    console.error("Set DATABASE_URL to a Postgres the bench may create a database in.")
    process.exit(2)
  }
  const name = `lmx_bench_projects_${process.pid}_${randomBytes(3).toString("hex")}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  try {
    console.log("projects: members and activity tabs (Postgres)")
    const started = performance.now()
    await prepare(url.toString())
    console.log(`  loaded in ${formatMs(performance.now() - started)}`)
    await bench(url.toString())
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`)
    await admin.end()
  }
}

await main()
