import { existsSync, rmSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { type AddressInfo } from "node:net"
import path from "node:path"
import { type Duplex } from "node:stream"

import { loadStackConfig, type StackConfig } from "./config"
import {
  dropMigratedTemplate,
  migratedTemplate,
  replenishSpareTemplate,
  saveMigratedTemplate,
  takeSpareTemplate,
  type MigratedTemplate,
} from "./db/migrated-image"
import { openDatabase, type StorageOptions } from "./db/open"
import { type Database } from "./db/types"
import { extensionsNamedIn } from "./extensions"
import {
  applyApiCors,
  createHostCheck,
  createKeyCheck,
  createKeyTranslation,
  isApiPath,
  refuseMisdirected,
} from "./gateway"
import { requestUrl, sendJson } from "./http"
import { loadStackKeys, readSigningKeys, type StackKeys } from "./keys"
import { BOOTSTRAP_DIR, prepareDatabase, readSqlFiles } from "./migrate"
import { resolveSeedPaths } from "./seed-paths"
import { type Service, type ServiceFactory } from "./service"
import { defaultServices } from "./services"

export type StackOptions = {
  /** The project root holding supabase/ (default: the current directory). */
  root?: string
  storage: StorageOptions
  host?: string
  /** 0 picks a free port (tests); default [api] port from config.toml. */
  port?: number
  /** Wipe the database first (PGlite directory removed; on Postgres every schema dropped). */
  reset?: boolean
  /** Replaces the stored HS256 shared secret (SUPABASE_JWT_SECRET). */
  jwtSecret?: string
  /**
   * Replace the stored sb_publishable_/sb_secret_ keys, so an app built with another database's
   * keys inlined (the benches' reused production build) is answered on a fresh database.
   */
  apiKeys?: { publishableKey: string; secretKey: string }
  /** Overrides for tests that bring a schema of their own. */
  configPath?: string
  migrationsDir?: string
  seedFiles?: string[]
  configOverrides?: (config: StackConfig) => StackConfig
  services?: ServiceFactory[]
  /** Storage's object bytes (default .local/storage in the project, for PGlite and Postgres alike). */
  storageDir?: string
  log?: (line: string) => void
  /**
   * New PGlite directories start from a template of the migrated database, kept by the first
   * one (db/migrated-image.ts). The command turns it on; suites that boot throwaway
   * directories leave it off, so they neither pay for writing templates nor depend on them.
   */
  migratedTemplate?: boolean
  /**
   * Answer as soon as the port is open and bring the services up behind it (`ready` settles
   * when they are): a request waits for its service rather than being refused, as PostgREST
   * listens while it loads its schema cache. The command turns it on, so `npm run dev` starts
   * Next while REST reads the schema; suites leave it off and get a stack whose services are
   * up when startLocalStack returns.
   */
  servicesInBackground?: boolean
}

export type LocalStack = {
  url: string
  port: number
  db: Database
  config: StackConfig
  keys: StackKeys
  migrations: { applied: string[]; total: number }
  seeded: string[]
  warnings: string[]
  /**
   * Milliseconds per boot phase (open, migrate, seed, keys, each service) and in total; with
   * servicesInBackground, the services' phases are added when `ready` settles.
   */
  timings: Record<string, number>
  /**
   * Settles when every service has started, with each one's start-up time (also in timings);
   * rejects with the error of one that could not.
   */
  ready: Promise<Record<string, number>>
  /** The status lines the services add (e.g. the mailbox's URL). */
  serviceStatusLines(): string[]
  statusLines(): string[]
  stop(): Promise<void>
}

async function resetPostgres(db: Database) {
  const schemas = await db.query<{ nspname: string }>(`
    select nspname from pg_catalog.pg_namespace
    where nspname not like 'pg\\_%' and nspname <> 'information_schema'
  `)
  await db.transaction(async (tx) => {
    for (const { nspname } of schemas.rows) {
      await tx.exec(`drop schema if exists "${nspname.replaceAll('"', '""')}" cascade`)
    }
    await tx.exec(`
      drop publication if exists supabase_realtime;
      create schema public;
      grant all on schema public to public;
    `)
  })
}

/** Boots the embedded Supabase-compatible stack and starts listening. */
export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const root = options.root ?? process.cwd()
  const bootStarted = performance.now()
  const timings: Record<string, number> = {}
  let lapStarted = bootStarted
  const lap = (phase: string) => {
    const now = performance.now()
    timings[phase] = Math.round(now - lapStarted)
    lapStarted = now
  }
  const log = options.log ?? (() => undefined)
  const supabaseDir = path.join(root, "supabase")
  const configPath = options.configPath ?? path.join(supabaseDir, "config.toml")
  let config = loadStackConfig(configPath, {
    onIgnored: (keys) =>
      log(
        `[config] ${shownPath(configPath)}: ignoring what this ` +
          `local stack does not serve: ${keys.join(", ")}`
      ),
  })
  if (options.configOverrides) config = options.configOverrides(config)

  if (options.reset && options.storage.engine === "pglite" && options.storage.dataDir) {
    rmSync(options.storage.dataDir, { recursive: true, force: true })
  }
  const migrationsDir = options.migrationsDir ?? path.join(supabaseDir, "migrations")
  // Read once: the template's name, the extensions PGlite loads and the migration check all
  // need the same text.
  const migrationTexts = readSqlFiles(migrationsDir)
  // A new PGlite directory starts from the migrated template of these files when there is one.
  const template: MigratedTemplate | undefined =
    options.migratedTemplate &&
    options.storage.engine === "pglite" &&
    options.storage.dataDir &&
    !existsSync(path.join(options.storage.dataDir, "PG_VERSION"))
      ? migratedTemplate(BOOTSTRAP_DIR, migrationsDir, migrationTexts)
      : undefined
  const seedFiles =
    options.seedFiles ??
    (config.db.seed.enabled
      ? resolveSeedPaths(supabaseDir, config.db.seed.sql_paths, (line) => log(`[seed] ${line}`))
      : [])
  // The template's spare copy, when there is one, becomes the directory at once.
  const newDir =
    template && options.storage.engine === "pglite" ? options.storage.dataDir : undefined
  const tookSpare =
    template?.exists === true && newDir !== undefined && takeSpareTemplate(template, newDir)
  let db: Database
  try {
    db = await openDatabase(
      options.storage.engine === "pglite"
        ? {
            ...options.storage,
            // PGlite loads the extensions the project's SQL creates, besides its defaults.
            extensions:
              options.storage.extensions ??
              extensionsNamedIn(
                seedFiles,
                migrationTexts.map(({ sql }) => sql)
              ),
            ...(template?.exists && !tookSpare ? { templateDir: template.dir } : {}),
          }
        : options.storage
    )
  } catch (error) {
    if (template?.exists) dropMigratedTemplate(template)
    // The directory was new: the spare it was made from goes with the template.
    if (tookSpare && newDir) rmSync(newDir, { recursive: true, force: true })
    throw error
  }
  lap("open")
  try {
    if (options.reset && options.storage.engine === "postgres") await resetPostgres(db)

    const { warnings, migrations, seeded } = await prepareDatabase(db, {
      migrationsDir,
      migrationTexts,
      fromTemplate: template?.exists === true,
      onMigrated: template ? () => saveMigratedTemplate(db, template) : undefined,
      seedFiles,
      onPhase: lap,
    })
    const keys = await loadStackKeys(db, {
      jwtSecret: options.jwtSecret ?? config.auth.jwt_secret,
      apiKeys: options.apiKeys,
      signingKeys: config.auth.signing_keys_path
        ? readSigningKeys(path.resolve(supabaseDir, config.auth.signing_keys_path))
        : undefined,
    })
    lap("keys")

    const services: Service[] = []
    let ready = false
    let servicesUp: Promise<Record<string, number>> = Promise.resolve({})
    const host = options.host ?? "127.0.0.1"
    const isAllowedHost = createHostCheck(host)
    const checkApiKey = createKeyCheck(keys)
    const translateApiKeys = createKeyTranslation(keys)
    const server = createServer((req, res) => {
      void route(req, res)
    })
    // Like the gateway in front of hosted Supabase, keep an idle client connection for a
    // minute. Node's 5 s default raced clients that reuse a pooled connection idle for about
    // that long: the server closed it just as the client sent on it ("other side closed").
    server.keepAliveTimeout = 60_000
    server.headersTimeout = 61_000
    async function route(req: IncomingMessage, res: ServerResponse) {
      try {
        if (!isAllowedHost(req.headers.host)) return refuseMisdirected(res)
        translateApiKeys(req)
        const pathname = (req.url ?? "/").split("?")[0] ?? "/"
        // Only the APIs answer cross-origin requests; the mailbox and the other local pages
        // send no CORS headers, so another site's page cannot read them.
        const api = isApiPath(pathname)
        if (api && applyApiCors(req, res)) return
        if (pathname === "/health") {
          sendJson(res, ready ? 200 : 503, {
            status: ready ? "ok" : "starting",
            database: db.engine,
            migrations: migrations.total,
          })
          return
        }
        if (!ready) return sendJson(res, 503, { message: "The local stack is starting" })
        const failed = await servicesUp.then(
          () => undefined,
          (error: unknown) => error
        )
        if (failed !== undefined)
          return sendJson(res, 503, {
            message: `The local stack's services did not start: ${String(failed)}`,
          })
        if (api) {
          const refusal = await checkApiKey(req, requestUrl(req))
          if (refusal) return sendJson(res, refusal.status, refusal.body)
        }
        const service = findService(services, pathname)
        if (!service) return sendJson(res, 404, { message: "no Route matched with those values" })
        await service.handle(req, res)
      } catch (error) {
        log(`[stack] unhandled error on ${req.method} ${req.url}: ${String(error)}`)
        if (!res.headersSent) sendJson(res, 500, { message: "Internal error in the local stack" })
        else res.destroy()
      }
    }
    server.on("upgrade", (req, socket, head) => {
      void upgrade(req, socket, head)
    })
    async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      if (!isAllowedHost(req.headers.host)) {
        socket.end("HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\n\r\n")
        return
      }
      translateApiKeys(req)
      const pathname = (req.url ?? "/").split("?")[0] ?? "/"
      const up =
        ready &&
        (await servicesUp.then(
          () => true,
          () => false
        ))
      const service = up ? findService(services, pathname) : undefined
      if (!service?.upgrade) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n")
        return
      }
      service.upgrade(req, socket, head)
    }

    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(options.port ?? config.api.port, host, () => {
        server.off("error", reject)
        resolve()
      })
    })
    const port = (server.address() as AddressInfo).port
    const url = `http://${host}:${port}`

    const storageDir = options.storageDir ?? path.join(root, ".local", "storage")
    const context = { db, config, keys, apiUrl: url, log, supabaseDir, storageDir }
    lap("listen")
    const bringUp = async () => {
      const phases: Record<string, number> = {}
      let started = performance.now()
      for (const factory of options.services ?? defaultServices)
        services.push(await factory(context))
      for (const service of services) {
        await service.start?.()
        const now = performance.now()
        phases[service.name] = Math.round(now - started)
        started = now
      }
      Object.assign(timings, phases)

      return phases
    }
    if (options.servicesInBackground) {
      timings.total = Math.round(performance.now() - bootStarted)
      servicesUp = bringUp()
      // Requests see the failure as a 503 (route's catch below); `ready` carries it to the caller.
      servicesUp.catch(() => undefined)
    } else {
      servicesUp = Promise.resolve(await bringUp())
      timings.total = Math.round(performance.now() - bootStarted)
    }
    ready = true
    // A new directory used (or made) the template: the next new one gets a spare copy of it,
    // made once the services are up so it never holds up the boot.
    const spareMade = template
      ? servicesUp.then(
          () => replenishSpareTemplate(template),
          () => undefined
        )
      : Promise.resolve()

    let stopping: Promise<void> | undefined
    return {
      url,
      port,
      db,
      config,
      keys,
      migrations,
      seeded,
      warnings,
      timings,
      ready: servicesUp,
      serviceStatusLines: () => services.flatMap((service) => service.statusLines?.() ?? []),
      statusLines: () => [
        `API URL: ${url}`,
        `REST URL: ${url}/rest/v1`,
        `Auth URL: ${url}/auth/v1`,
        `Realtime URL: ${url.replace(/^http/, "ws")}/realtime/v1`,
        ...services.flatMap((service) => service.statusLines?.() ?? []),
        `Database: ${db.engine} (${db.location})`,
        `JWT secret: ${keys.jwtSecret}`,
        `Publishable key: ${keys.publishableKey}`,
        `Secret key: ${keys.secretKey}`,
        `anon key: ${keys.anonKey}`,
        `service_role key: ${keys.serviceRoleKey}`,
      ],
      stop() {
        stopping ??= (async () => {
          ready = false
          // Services still coming up finish first, so each one that started is stopped.
          await servicesUp.catch(() => undefined)
          const closed = new Promise<void>((resolve) => server.close(() => resolve()))
          server.closeIdleConnections()
          // In-flight requests get a moment to finish; then the rest are cut.
          const cutoff = setTimeout(() => server.closeAllConnections(), 2000)
          cutoff.unref()
          // Services close their own long-lived sockets (WebSockets) before the server waits.
          for (const service of [...services].reverse()) await service.stop?.()
          await closed
          clearTimeout(cutoff)
          await db.close()
          // Not cut off half made (a partial copy is never used, but it is wasted work).
          await spareMade
        })()
        return stopping
      },
    }
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}

/** Relative to the current directory when the file is under it, absolute otherwise. */
function shownPath(file: string) {
  const relative = path.relative(process.cwd(), file)

  return relative && !relative.startsWith("..") ? relative : path.resolve(file)
}

function findService(services: Service[], pathname: string): Service | undefined {
  let best: Service | undefined
  for (const service of services) {
    const matches = pathname === service.prefix || pathname.startsWith(`${service.prefix}/`)
    if (matches && (!best || service.prefix.length > best.prefix.length)) best = service
  }

  return best
}
