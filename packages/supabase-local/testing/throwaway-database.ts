import { randomBytes } from "node:crypto"

import pg from "pg"

/** A database of its own on a Postgres server, for one test suite or benchmark run. */
export type ThrowawayDatabase = { url: string; drop(): Promise<void> }

async function asAdmin(adminUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Creates `<prefix>_<random>` on the server of adminUrl; drop() removes it, sessions and all. */
export async function createThrowawayDatabase(
  adminUrl: string,
  prefix: string
): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`
  await asAdmin(adminUrl, `create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`

  return {
    url: url.toString(),
    drop: () => asAdmin(adminUrl, `drop database if exists ${name} with (force)`),
  }
}
