import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { withoutEmailTemplates } from "../config"
import { openDatabase, type StorageOptions } from "../db/open"
import { type Database } from "../db/types"
import { prepareDatabase } from "../migrate"
import { startLocalStack, type LocalStack, type StackOptions } from "../stack"
import { createThrowawayDatabase } from "./throwaway-database"

/**
 * Test infrastructure shared by every integration suite (files named *.int.test.ts).
 * Vitest runs each of those files once per engine: the `integration-pglite` project
 * (in-memory PGlite) and, when DATABASE_URL is set, `integration-postgres`, where every
 * suite gets a throwaway database of its own on that server.
 */
export type TestEngine = "pglite" | "postgres"

export const TEST_ENGINE: TestEngine =
  process.env.LMX_TEST_ENGINE === "postgres" ? "postgres" : "pglite"

/** The project whose supabase/ folder the suites serve: the repository holding packages/. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, "../../..")

type Throwaway = { storage: StorageOptions; drop(): Promise<void> }

async function createThrowawayStorage(): Promise<Throwaway> {
  if (TEST_ENGINE === "pglite") return { storage: { engine: "pglite" }, drop: async () => {} }

  return createPostgresStorage()
}

/**
 * Storage that outlives one boot, for suites that start a stack twice on the same data: a
 * PGlite directory, or a throwaway database on the Postgres server.
 */
export async function createPersistentStorage(): Promise<Throwaway> {
  if (TEST_ENGINE === "pglite") {
    const dataDir = mkdtempSync(path.join(tmpdir(), "lmx-test-pglite-"))

    return {
      storage: { engine: "pglite", dataDir },
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    }
  }

  return createPostgresStorage()
}

async function createPostgresStorage(): Promise<Throwaway> {
  const adminUrl = process.env.DATABASE_URL
  if (!adminUrl) throw new Error("LMX_TEST_ENGINE=postgres needs DATABASE_URL")
  const database = await createThrowawayDatabase(adminUrl, `lmx_test_${process.pid}`)

  return { storage: { engine: "postgres", url: database.url, poolSize: 10 }, drop: database.drop }
}

/**
 * Postgres keeps roles and their settings in catalogs shared by every database of a server, and
 * the platform bootstrap grants and sets them (bootstrap/00_roles.sql). When several suites boot
 * databases on one server at the same moment, two of those catalog updates can meet on one row
 * and Postgres aborts the later one with "tuple concurrently updated" instead of waiting. The
 * suite then starts again on a new database; any other failure is the suite's own.
 */
const CATALOG_RACE = /tuple concurrently (updated|deleted)/
const BOOT_ATTEMPTS = 3

export async function retryingCatalogRace<T>(
  boot: () => Promise<T>,
  engine: TestEngine = TEST_ENGINE
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await boot()
    } catch (error) {
      const raced = error instanceof Error && CATALOG_RACE.test(error.message)
      if (!raced || engine !== "postgres" || attempt >= BOOT_ATTEMPTS) throw error
    }
  }
}

export type TestStack = LocalStack & { [Symbol.asyncDispose](): Promise<void> }

/**
 * Starts a whole local stack on a free port over a fresh database. The app's migrations and
 * seed by default; conformance suites pass a schema of their own.
 */
export function startTestStack(
  options: Partial<StackOptions> & {
    /** Keep config.toml's [auth.email.template.*]; suites otherwise assert Supabase's default emails. */
    emailTemplates?: boolean
  } = {}
): Promise<TestStack> {
  return retryingCatalogRace(() => startTestStackOnce(options))
}

async function startTestStackOnce({
  emailTemplates = false,
  ...options
}: Partial<StackOptions> & { emailTemplates?: boolean }): Promise<TestStack> {
  const throwaway = await createThrowawayStorage()
  const overrides = options.configOverrides ?? ((config) => config)
  // Storage's bytes in a folder of the suite's own, removed with its database.
  const storageDir = options.storageDir ?? mkdtempSync(path.join(tmpdir(), "lmx-test-storage-"))
  const removeStorageDir = () => {
    if (!options.storageDir) rmSync(storageDir, { recursive: true, force: true })
  }
  let stack: LocalStack
  try {
    stack = await startLocalStack({
      root: PROJECT_ROOT,
      port: 0,
      storage: throwaway.storage,
      storageDir,
      log: process.env.LMX_TEST_LOG ? (line) => console.log(line) : undefined,
      ...options,
      configOverrides: (config) =>
        overrides(emailTemplates ? config : withoutEmailTemplates(config)),
    })
  } catch (error) {
    await throwaway.drop()
    removeStorageDir()
    throw error
  }
  const stopStack = stack.stop
  const stop = async () => {
    await stopStack()
    await throwaway.drop()
    removeStorageDir()
  }

  return Object.assign(stack, { stop, [Symbol.asyncDispose]: stop })
}

export type TestDatabase = { db: Database; dispose(): Promise<void> }

/**
 * A fresh database with the platform bootstrap, migrations and (optionally) the seed, and no
 * HTTP server: for SQL-level tests that act as a role with claims set as PostgREST sets them.
 */
export function createTestDatabase(
  options: { migrationsDir?: string; seedFiles?: string[] } = {}
): Promise<TestDatabase> {
  return retryingCatalogRace(() => createTestDatabaseOnce(options))
}

async function createTestDatabaseOnce({
  migrationsDir = path.join(PROJECT_ROOT, "supabase/migrations"),
  seedFiles = [path.join(PROJECT_ROOT, "supabase/seed.sql")],
}: {
  migrationsDir?: string
  seedFiles?: string[]
}): Promise<TestDatabase> {
  const throwaway = await createThrowawayStorage()
  const db = await openDatabase(throwaway.storage)
  try {
    await prepareDatabase(db, { migrationsDir, seedFiles })
  } catch (error) {
    await db.close()
    await throwaway.drop()
    throw error
  }

  return {
    db,
    async dispose() {
      await db.close()
      await throwaway.drop()
    },
  }
}
