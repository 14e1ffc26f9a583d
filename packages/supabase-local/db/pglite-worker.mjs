// PGlite's own thread. PGlite runs a statement to its end on the thread that called it, and a
// statement holds that thread until it ends, so the stack keeps it here: the main thread stays
// free to accept requests and to stop a statement that runs too long (by ending this thread,
// see pglite.ts). Plain JavaScript, so the worker starts the same under tsx, Vitest and a bundle.
// Messages in: { id, op, ... }; out: { id, ok, result | error } and { notify, payload }.
import { readFile } from "node:fs/promises"
import { parentPort, workerData } from "node:worker_threads"

import { parse, PGlite, protocol, types } from "@electric-sql/pglite"

import { pgliteExtensions } from "./pglite-extensions.mjs"
import { PreparedNames } from "./prepared-names.mjs"

// The same values the Postgres engine returns (see postgres.ts): timestamps, dates, bigints
// and numerics as the text Postgres sends.
const asText = (value) => value
const textParsers = {
  [types.TIMESTAMPTZ]: asText,
  [types.TIMESTAMP]: asText,
  [types.DATE]: asText,
  [types.INT8]: asText,
  [types.NUMERIC]: asText,
}

const { dataDir, image, settings, extensions } = workerData
// Compiling PGlite's WebAssembly is most of an open. The first thread compiles it and hands the
// module (and the file-system bundle) to the main thread, which gives them to the thread that
// replaces this one after a cut statement, so reopening costs only PGlite's start.
const dist = import.meta.resolve("@electric-sql/pglite")
const wasmModule =
  workerData.wasmModule ??
  (await WebAssembly.compile(await readFile(new URL("./pglite.wasm", dist))))
const fsBundle = workerData.fsBundle ?? new Blob([await readFile(new URL("./pglite.data", dist))])
// A new directory copied from a template is filled while this thread compiles (pglite.ts).
if (workerData.waitForData) {
  await new Promise((resolve) => parentPort.once("message", resolve))
}
const pg = await PGlite.create({
  dataDir,
  // The extensions this database may create (pglite-extension-names.ts says which).
  extensions: Object.fromEntries(extensions.map((name) => [name, pgliteExtensions[name]])),
  loadDataDir: image ? new Blob([image]) : undefined,
  pgliteWasmModule: wasmModule,
  fsBundle,
  ...(settings.length ? { postgresqlconf: settings } : {}),
})

/** The statements this thread keeps prepared (one connection, as on each Postgres one). */
const prepared = new PreparedNames()

/**
 * The statements as one extended-protocol message, as postgres-prepared.ts sends them to
 * Postgres: Parse (first use only), Bind with the values as text, Describe and Execute for
 * each, then one Sync, so they run as one implicit transaction (an error in any rolls back
 * all, and settings made local by the first hold for the next). The values are bound, never
 * written into the statement's text: a 1,000-row body is one parameter, not a literal to escape
 * and lex, and a NUL in it gets Postgres's own answer (22021).
 */
async function runPrepared(statements) {
  return pg.runExclusive(async () => {
    const { serialize } = protocol
    const parts = prepared.takeClosing().map((name) => serialize.close({ type: "S", name }))
    const parsed = []
    for (const { text, values } of statements) {
      const entry = prepared.use(text)
      if (!entry.ready) {
        // One whose earlier batch failed may or may not exist; closing a missing one is no error.
        parts.push(serialize.close({ type: "S", name: entry.name }))
        parts.push(serialize.parse({ name: entry.name, text }))
        parsed.push(entry)
      }
      parts.push(
        serialize.bind({
          statement: entry.name,
          values: values.map((value) =>
            value === null || value === undefined ? null : String(value)
          ),
        }),
        serialize.describe({ type: "P" }),
        serialize.execute()
      )
    }
    parts.push(serialize.sync())
    const message = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
    let offset = 0
    for (const part of parts) {
      message.set(part, offset)
      offset += part.byteLength
    }
    // Throws the first error once the whole message (to its Sync) has run.
    const messages = await pg.execProtocolStream(message, { syncToFs: false })
    for (const entry of parsed) entry.ready = true
    await pg.syncToFs()
    const results = parse.parseResults(messages, pg.parsers, { parsers: textParsers })
    return results[results.length - 1]
  })
}

/** Open transactions by id: the handle to query through and how to end it. */
const transactions = new Map()
const unlisteners = new Map()

function shape(result) {
  return {
    rows: result.rows,
    rowCount: result.affectedRows ?? result.rows.length,
    fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  }
}

/** A database error's fields (code, detail, hint, position, …) survive the thread boundary. */
function serialiseError(error) {
  if (!(error instanceof Error)) return { message: String(error) }
  const fields = { message: error.message, name: error.name }
  for (const [key, value] of Object.entries(error)) {
    if (["string", "number", "boolean"].includes(typeof value)) fields[key] = value
  }
  return fields
}

async function handle(message) {
  switch (message.op) {
    case "query":
      return shape(await pg.query(message.sql, message.params, { parsers: textParsers }))
    case "prepared":
      return shape(await runPrepared(message.statements))
    case "exec":
      await pg.exec(message.sql)
      return null
    case "script": {
      const results = await pg.exec(message.sql, { parsers: textParsers })
      return shape(results[results.length - 1])
    }
    case "begin": {
      // PGlite's transaction() commits when its callback resolves and rolls back when it
      // throws; the callback waits here for the main thread's commit or rollback.
      let opened
      const ready = new Promise((resolve) => (opened = resolve))
      const finished = pg.transaction(
        (tx) =>
          new Promise((resolve, reject) => {
            transactions.set(message.tx, { tx, commit: resolve, rollback: reject })
            opened()
          })
      )
      transactions.set(`${message.tx}:finished`, finished)
      // A rollback rejects `finished` on purpose; it is awaited by the rollback op.
      finished.catch(() => undefined)
      await ready
      return null
    }
    case "txQuery": {
      const { tx } = transactions.get(message.tx)
      return shape(await tx.query(message.sql, message.params, { parsers: textParsers }))
    }
    case "txExec": {
      const { tx } = transactions.get(message.tx)
      await tx.exec(message.sql)
      return null
    }
    case "commit":
    case "rollback": {
      const open = transactions.get(message.tx)
      const finished = transactions.get(`${message.tx}:finished`)
      transactions.delete(message.tx)
      transactions.delete(`${message.tx}:finished`)
      if (message.op === "commit") {
        open.commit()
        await finished
      } else {
        open.rollback(new Error("rollback"))
        await finished.catch(() => undefined)
      }
      return null
    }
    case "scriptResults": {
      // Every statement's rows, as psql prints them: a pgTAP test file (test.ts).
      const results = await pg.exec(message.sql, { parsers: textParsers })
      return results.map(shape)
    }
    case "addExtensionFiles": {
      // A pure-SQL extension from outside PGlite's bundle (pgTAP, test.ts), put where
      // `create extension` looks for control and script files.
      const dir = `${pg.mod.WASM_PREFIX}/share/postgresql/extension`
      for (const [name, text] of Object.entries(message.files)) {
        pg.mod.FS.writeFile(`${dir}/${name}`, text)
      }
      return null
    }
    case "listen": {
      const unlisten = await pg.listen(message.channel, (payload) =>
        parentPort.postMessage({ notify: message.channel, payload })
      )
      unlisteners.set(message.channel, unlisten)
      return null
    }
    case "unlisten": {
      await unlisteners.get(message.channel)?.()
      unlisteners.delete(message.channel)
      return null
    }
    case "close":
      // close() checkpoints and syncs the data directory, so nothing written is lost.
      if (!pg.closed) await pg.close()
      return null
    default:
      throw new Error(`unknown operation ${message.op}`)
  }
}

parentPort.on("message", (message) => {
  handle(message).then(
    (result) => parentPort.postMessage({ id: message.id, ok: true, result }),
    (error) => parentPort.postMessage({ id: message.id, ok: false, error: serialiseError(error) })
  )
})
parentPort.postMessage({ ready: true, wasmModule, fsBundle })
