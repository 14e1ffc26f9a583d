// A Storage test stack in a process of its own, so a suite can kill it with SIGKILL in the
// middle of an upload (storage/crash.int.test.ts). The storage options arrive as JSON in
// LMX_CHILD_STORAGE, the bytes folder in LMX_CHILD_STORAGE_DIR; it prints one JSON line with
// its URL and keys once it listens.
import { type StorageOptions } from "../db/open"
import { startLocalStack } from "../stack"
import { STORAGE_FIXTURE_MIGRATIONS, withoutConfigBuckets } from "./storage"
import { PROJECT_ROOT } from "./test-stack"

const storage = JSON.parse(process.env.LMX_CHILD_STORAGE ?? "{}") as StorageOptions
const stack = await startLocalStack({
  root: PROJECT_ROOT,
  port: 0,
  storage,
  storageDir: process.env.LMX_CHILD_STORAGE_DIR,
  migrationsDir: STORAGE_FIXTURE_MIGRATIONS,
  seedFiles: [],
  configOverrides: withoutConfigBuckets,
})
console.log(
  JSON.stringify({
    url: stack.url,
    anonKey: stack.keys.anonKey,
    serviceRoleKey: stack.keys.serviceRoleKey,
  })
)
