import { randomBytes } from "node:crypto"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import path from "node:path"
import { Worker } from "node:worker_threads"

import { DEFAULT_PGLITE_EXTENSIONS, PGLITE_EXTENSIONS } from "./pglite-extension-names"
import { type Database, type Queryable, type QueryResult, type RunOptions } from "./types"

// A freshly initialised cluster (initdb's output) is the same every time for one PGlite
// version, and initdb is most of a cold start: keep its image once and unpack it after.
// Inside this package, so the cache never depends on the layout of the project it serves.
export const IMAGE_CACHE_DIR = path.resolve(import.meta.dirname, "../.local/cache")

export function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite")
  let dir = path.dirname(entry)
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir)

  return (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string })
    .version
}

function imageCacheFile(): string {
  return path.join(IMAGE_CACHE_DIR, `pglite-${pgliteVersion()}-initdb.tar`)
}

async function initdbImage(): Promise<Blob> {
  const file = imageCacheFile()
  if (existsSync(file)) return new Blob([readFileSync(file)])
  // Only a cold cache needs PGlite on this thread; it otherwise loads in the database's own.
  const { PGlite } = await import("@electric-sql/pglite")
  const scratch = await PGlite.create()
  const image = await scratch.dumpDataDir("none")
  await scratch.close()
  try {
    // Written aside and renamed, so concurrent boots never read half a file.
    mkdirSync(IMAGE_CACHE_DIR, { recursive: true })
    const partial = `${file}.${randomBytes(4).toString("hex")}.partial`
    writeFileSync(partial, Buffer.from(await image.arrayBuffer()))
    renameSync(partial, file)
  } catch {
    // A read-only checkout still boots; it just runs initdb each time.
  }

  return image
}

type Reply = { id: number; ok: boolean; result?: unknown; error?: Record<string, unknown> }

/** Postgres's own answer to a statement cut by statement_timeout (SQLSTATE 57014). */
export function statementTimeoutError(): Error {
  return Object.assign(new Error("canceling statement due to statement timeout"), {
    code: "57014",
    severity: "ERROR",
  })
}

/** One PGlite worker thread: operations out, replies and notifications back. */
class PgliteThread {
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >()
  private nextId = 1
  private ended: Error | undefined

  private constructor(
    private readonly worker: Worker,
    onNotify: (channel: string, payload: string) => void
  ) {
    worker.on("message", (message: Reply & { notify?: string; payload?: string }) => {
      if (message.notify !== undefined) return onNotify(message.notify, message.payload ?? "")
      const waiter = this.pending.get(message.id)
      if (!waiter) return
      this.pending.delete(message.id)
      if (message.ok) waiter.resolve(message.result)
      else {
        const { message: text, ...fields } = message.error ?? {}
        waiter.reject(Object.assign(new Error(String(text)), fields))
      }
    })
    worker.on("error", (error) => this.end(error))
    worker.on("exit", (code) => this.end(new Error(`the database thread exited (${code})`)))
  }

  /** PGlite's compiled WebAssembly and file-system bundle, kept for the next thread. */
  static artifacts: { wasmModule: WebAssembly.Module; fsBundle: Blob } | undefined

  static open(
    dataDir: string,
    image: Blob | undefined,
    settings: string[],
    extensions: string[],
    onNotify: (channel: string, payload: string) => void,
    /**
     * Fills the data directory while the thread starts: the thread compiles PGlite's
     * WebAssembly meanwhile and opens the directory once this has returned.
     */
    prepareDataDir?: () => void
  ): Promise<PgliteThread> {
    return new Promise((resolve, reject) => {
      void (async () => {
        const bytes = image ? new Uint8Array(await image.arrayBuffer()) : undefined
        const waitForData = prepareDataDir !== undefined
        const worker = new Worker(new URL("./pglite-worker.mjs", import.meta.url), {
          workerData: {
            dataDir,
            image: bytes,
            settings,
            extensions,
            waitForData,
            ...PgliteThread.artifacts,
          },
          transferList: bytes ? [bytes.buffer] : [],
        })
        if (prepareDataDir) {
          try {
            prepareDataDir()
          } catch (error) {
            await worker.terminate()
            throw error
          }
          worker.postMessage({ dataReady: true })
        }
        const onReady = (
          message: { ready?: boolean } & Partial<NonNullable<typeof PgliteThread.artifacts>>
        ) => {
          if (!message.ready) return
          worker.off("message", onReady)
          worker.off("error", reject)
          if (message.wasmModule && message.fsBundle) {
            PgliteThread.artifacts ??= {
              wasmModule: message.wasmModule,
              fsBundle: message.fsBundle,
            }
          }
          resolve(new PgliteThread(worker, onNotify))
        }
        worker.on("message", onReady)
        worker.once("error", reject)
      })().catch(reject)
    })
  }

  call<T>(op: string, payload: Record<string, unknown> = {}): Promise<T> {
    if (this.ended) return Promise.reject(this.ended)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.worker.postMessage({ id, op, ...payload })
    })
  }

  private end(error: Error) {
    this.ended ??= error
    for (const waiter of this.pending.values()) waiter.reject(this.ended)
    this.pending.clear()
  }

  /** Ends the thread at once, whatever it is running; PGlite's WAL recovers on the next open. */
  async terminate(reason: Error) {
    this.end(reason)
    await this.worker.terminate()
  }
}

/**
 * Where a database "in memory" lives: a scratch directory, in RAM where the system has a RAM
 * file system, removed on close (or when the process exits). PGlite's own memory file system
 * dies with its thread, and a thread that ran past its timeout must be ended and reopened.
 */
function scratchDirectory(): { dir: string; remove(): void } {
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir()
  const dir = mkdtempSync(path.join(base, "lmx-pglite-"))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  process.once("exit", remove)
  return {
    dir,
    remove() {
      process.off("exit", remove)
      remove()
    },
  }
}

/**
 * Opens PGlite in a directory (created if missing), or in a scratch directory when dataDir is
 * undefined, on a thread of its own. PGlite has no statement_timeout (no timer can interrupt
 * its statement) and runs one statement at a time; on its own thread a slow statement no
 * longer stops the stack from accepting requests, and an operation given a timeout that runs
 * past it is ended by ending the thread and reopening the directory, Postgres's crash recovery
 * undoing what the cut statement had half done. A new directory is copied from `templateDir`
 * when given (a migrated template, see migrated-image.ts), else unpacked from the initdb image.
 */
export async function openPglite(
  requestedDir?: string,
  templateDir?: string,
  extensions: readonly string[] | "all" = []
): Promise<Database> {
  const loaded =
    extensions === "all"
      ? [...PGLITE_EXTENSIONS]
      : [...new Set([...DEFAULT_PGLITE_EXTENSIONS, ...extensions])]
  const scratch = requestedDir ? undefined : scratchDirectory()
  const dataDir = requestedDir ?? scratch!.dir
  // initdb straight onto the host file system costs seconds of small synced writes;
  // unpacking the initdb image (made in memory once, then cached) takes a fraction of that.
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"))
  if (fresh) mkdirSync(dataDir, { recursive: true })
  // The template is a checkpointed data directory: a copy of it opens as existing data. The
  // copy is made while the first thread starts (PgliteThread.open).
  const copied = fresh && templateDir !== undefined
  const copyTemplate = copied ? () => cpSync(templateDir, dataDir, { recursive: true }) : undefined
  const image = fresh && !copied ? await initdbImage() : undefined
  const listeners = new Map<string, Set<(payload: string) => void>>()
  const notify = (channel: string, payload: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(payload)
  }
  // A scratch database need not survive the machine, only the end of its thread: every write
  // PGlite makes is a completed write() by then, so it needs no fsync. (Commits stay
  // synchronous: single-user PGlite has no WAL writer to write an asynchronous commit later.)
  const settings = scratch ? ["fsync = off"] : []
  const openThread = (withImage?: Blob, prepareDataDir?: () => void) =>
    PgliteThread.open(dataDir, withImage, settings, loaded, notify, prepareDataDir)
  let thread: PgliteThread
  try {
    thread = await openThread(image, copyTemplate)
  } catch (error) {
    scratch?.remove()
    // A damaged image must not fail every later boot: the next one makes it again.
    if (image) rmSync(imageCacheFile(), { force: true })
    // Nor a damaged template this directory: it is new again (the caller drops the template).
    if (copied) {
      for (const name of readdirSync(templateDir)) {
        rmSync(path.join(dataDir, name), { recursive: true, force: true })
      }
    }
    throw error
  }

  // One operation (a statement, or a whole transaction) at a time, in arrival order, as
  // PGlite runs them; the queue lives here so a cut operation takes nothing else with it.
  let tail: Promise<void> = Promise.resolve()
  function lock(): Promise<() => void> {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const acquired = tail.then(() => release)
    tail = tail.then(() => released)
    return acquired
  }

  async function restart() {
    await thread.terminate(statementTimeoutError())
    thread = await openThread()
    for (const channel of listeners.keys()) await thread.call("listen", { channel })
  }

  const TIMED_OUT = Symbol("timed out")
  async function exclusive<T>(
    options: RunOptions | undefined,
    work: (current: PgliteThread) => Promise<T>
  ): Promise<T> {
    const release = await lock()
    const timeoutMs = options?.timeoutMs
    if (!timeoutMs || timeoutMs <= 0) {
      try {
        return await work(thread)
      } finally {
        release()
      }
    }
    const running = work(thread)
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs)
    })
    let outcome: T | typeof TIMED_OUT
    try {
      outcome = await Promise.race([running, expired])
    } catch (error) {
      clearTimeout(timer)
      release()
      throw error
    }
    clearTimeout(timer)
    if (outcome !== TIMED_OUT) {
      release()
      return outcome
    }
    running.catch(() => undefined)
    try {
      await restart()
    } finally {
      release()
    }
    throw statementTimeoutError()
  }

  let nextTx = 1
  function txHandle(id: number, owner: PgliteThread): Queryable {
    const current = () => {
      // The thread was ended under this transaction (it ran past its timeout).
      if (thread !== owner) throw statementTimeoutError()
      return owner
    }
    return {
      query: <Row>(sql: string, params?: unknown[]) =>
        current().call<QueryResult<Row>>("txQuery", { tx: id, sql, params }),
      exec: (sql: string) => current().call<void>("txExec", { tx: id, sql }),
    }
  }

  return {
    engine: "pglite",
    location: requestedDir ?? "memory",
    query: <Row>(sql: string, params?: unknown[]) =>
      exclusive(undefined, (t) => t.call<QueryResult<Row>>("query", { sql, params })),
    exec: (sql: string) => exclusive(undefined, (t) => t.call<void>("exec", { sql })),
    prepared: <Row>(statements: { text: string; values: unknown[] }[], options?: RunOptions) =>
      exclusive(options, (t) => t.call<QueryResult<Row>>("prepared", { statements })),
    script: <Row>(sql: string, options?: RunOptions) =>
      exclusive(options, (t) => t.call<QueryResult<Row>>("script", { sql })),
    transaction: (fn, options) =>
      exclusive(options, async (t) => {
        const id = nextTx++
        await t.call("begin", { tx: id })
        let result
        try {
          result = await fn(txHandle(id, t))
        } catch (error) {
          if (thread === t) await t.call("rollback", { tx: id }).catch(() => undefined)
          throw error
        }
        await t.call("commit", { tx: id })
        return result
      }),
    async listen(channel, onNotify) {
      let set = listeners.get(channel)
      if (!set) {
        set = new Set()
        listeners.set(channel, set)
        await exclusive(undefined, (t) => t.call("listen", { channel }))
      }
      set.add(onNotify)
      return async () => {
        set.delete(onNotify)
        if (set.size === 0 && listeners.get(channel) === set) {
          listeners.delete(channel)
          await exclusive(undefined, (t) => t.call("unlisten", { channel })).catch(() => undefined)
        }
      }
    },
    scriptResults: <Row>(sql: string) =>
      exclusive(undefined, (t) => t.call<QueryResult<Row>[]>("scriptResults", { sql })),
    addExtensionFiles: (files: Record<string, string>) =>
      exclusive(undefined, (t) => t.call<void>("addExtensionFiles", { files })),
    async copyDataDir(target: string) {
      if (!requestedDir) throw new Error("a database in memory has no data directory to copy")
      await exclusive(undefined, async (t) => {
        // A checkpoint writes every change into the data files; nothing else runs on the
        // thread until the copy is made, so the copy is the database as a clean restart sees it.
        await t.call("exec", { sql: "checkpoint" })
        // Recovery reads the WAL from the checkpoint's redo point to the end of what was
        // written; the segments before it are spent and those after it are recycled spares,
        // which Postgres makes again when it needs them. Each is 16 MB: half the copy.
        const { rows } = await t.call<QueryResult<{ first: string; last: string }>>("query", {
          sql: `select pg_walfile_name(redo_lsn) as first,
                       pg_walfile_name(pg_current_wal_insert_lsn()) as last
                  from pg_control_checkpoint()`,
        })
        const { first, last } = rows[0]!
        const walDir = path.join(dataDir, "pg_wal")
        cpSync(dataDir, target, {
          recursive: true,
          filter: (source) => {
            if (path.dirname(source) !== walDir) return true
            const name = path.basename(source)
            return !/^[0-9A-F]{24}$/.test(name) || (name >= first && name <= last)
          },
        })
      })
    },
    async close() {
      await exclusive(undefined, async (t) => {
        // close() checkpoints and syncs the data directory, so nothing written is lost.
        await t.call("close").catch(() => undefined)
        await t.terminate(new Error("the database is closed"))
      })
      scratch?.remove()
    },
  }
}
