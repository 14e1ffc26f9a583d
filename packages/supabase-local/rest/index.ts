import { type IncomingMessage, type ServerResponse } from "node:http"

import { BodyTooLargeError, readBody, requestUrl } from "../http"
import { type Service, type ServiceContext } from "../service"
import { createAuthenticator } from "./auth"
import { ApiError, toApiError } from "./errors"
import { FairQueue } from "./fair-queue"
import {
  dbConfigEnabled,
  findTable,
  type Outcome,
  type RequestContext,
  type RestState,
} from "./kernel"
import { negotiate } from "./negotiate"
import { read } from "./read"
import { parsePrefer, parseQueryParams } from "./request"
import { callRoutine } from "./rpc"
import { loadSchemaCache, qualified } from "./schema-cache"
import { qualifiedIdent } from "./sql"
import { mutate, putSingle } from "./write"

export { buildReadSql } from "./read"

const PREFIX = "/rest/v1"

/**
 * The OpenAPI description lists every table and function; hosted Supabase stopped serving it
 * to the anon (publishable) key in 2026 and serves it to the service_role (secret) key only.
 */
function openApi(rs: RestState, rc: RequestContext): Outcome {
  if (rc.auth.role !== "service_role") {
    throw new ApiError(
      401,
      "PGRST301",
      "The OpenAPI description is served to the service_role key only",
      null,
      "Send the service_role (secret) key to read the schema description"
    )
  }
  const paths: Record<string, unknown> = { "/": {} }
  for (const table of rs.cache.tables.values()) {
    if (table.schema === rc.schema) paths[`/${table.name}`] = {}
  }
  for (const routines of rs.cache.routines.values()) {
    for (const routine of routines)
      if (routine.schema === rc.schema) paths[`/rpc/${routine.name}`] = {}
  }
  const body = JSON.stringify({
    swagger: "2.0",
    info: { title: "LMX Console local REST API", version: "13" },
    basePath: "/",
    paths,
  })
  return {
    status: 200,
    headers: { "content-type": "application/openapi+json; charset=utf-8" },
    body,
  }
}

/** The REST API: PostgREST's HTTP contract over the stack's database, RLS deciding every row. */
export async function restService(ctx: ServiceContext): Promise<Service> {
  const { db, config } = ctx
  const schemas = config.api.schemas
  const authenticate = createAuthenticator(ctx.keys)
  let stopListening: (() => Promise<void>) | undefined
  const cache = await loadSchemaCache(db, schemas)

  let reloading: Promise<void> | undefined
  let reloadedAt = Date.now()
  function reload(): Promise<void> {
    reloading ??= (async () => {
      try {
        rs.cache = await loadSchemaCache(db, schemas)
        ctx.log("[rest] schema cache reloaded")
      } catch (error) {
        ctx.log(`[rest] schema cache reload failed: ${String(error)}`)
      } finally {
        reloadedAt = Date.now()
        reloading = undefined
      }
    })()
    return reloading
  }

  const rs: RestState = {
    db,
    config,
    maxRows: config.api.max_rows,
    cache,
    // One statement at a time on PGlite: callers take turns (docs/local-stack.md, "What one
    // request may cost"). 10 s is PostgREST's db-pool-acquisition-timeout.
    queue:
      db.engine === "pglite"
        ? new FairQueue({ concurrency: 1, perCaller: 32, waitMs: 10_000 })
        : undefined,
    // Hosted Supabase reloads PostgREST's cache on DDL (an event trigger NOTIFYs it). Locally, a
    // table or function the cache does not know triggers a reload, at most once a second.
    async reloadIfUnknown(known) {
      if (!known && Date.now() - reloadedAt > 1000) await reload()
    },
  }

  async function handleRequest(req: IncomingMessage): Promise<Outcome> {
    const method = (req.method ?? "GET").toUpperCase()
    const url = requestUrl(req)
    const path = url.pathname.slice(PREFIX.length) || "/"
    const readMethod = method === "GET" || method === "HEAD"
    const profile = (
      readMethod ? req.headers["accept-profile"] : req.headers["content-profile"]
    ) as string | undefined
    const schema = profile ?? schemas[0]!
    if (!schemas.includes(schema)) {
      throw new ApiError(
        406,
        "PGRST106",
        `Invalid schema: ${schema}`,
        null,
        `Only the following schemas are exposed: ${schemas.join(", ")}`
      )
    }
    const media = negotiate(req.headers.accept)
    // GeoJSON is PostGIS's ST_AsGeoJSON(record), which PostgREST calls in its geojson body
    // aggregate (SqlFragment.hs asGeoJsonF). PostgREST offers the media type regardless and
    // the statement then fails on the missing function; here a database without PostGIS
    // answers 406 instead, since on PGlite it can never exist: PostGIS is C linked against
    // GEOS, PROJ and GDAL, and PGlite has no WebAssembly build of it, so the client learns the
    // media type is unavailable rather than getting a function-not-found error.
    if (media.format === "geojson" && !rs.cache.geoJson) {
      throw new ApiError(
        406,
        "PGRST107",
        "None of these media types are available: application/geo+json"
      )
    }
    // EXPLAIN plans are answered only when db-plan-enabled is on (PostgREST's default is off),
    // for reads, writes and function calls alike.
    if (media.plan && !dbConfigEnabled(rs, "db_plan_enabled")) {
      throw new ApiError(
        406,
        "PGRST107",
        `None of these media types are available: ${media.contentType.replace(/; charset=utf-8$/, "")}`
      )
    }
    const prefs = parsePrefer(req.headers.prefer)
    // An unknown time zone is ignored (or refused with handling=strict), as PostgREST does.
    if (prefs.timezone && !rs.cache.timezones.has(prefs.timezone)) {
      if (prefs.handling === "strict") {
        throw new ApiError(
          400,
          "PGRST122",
          "Invalid preferences given with handling=strict",
          `Invalid preferences: timezone=${prefs.timezone}`
        )
      }
      prefs.timezone = undefined
    }
    const auth = await authenticate(req.headers.authorization)
    if (!rs.cache.roles.has(auth.role)) await rs.reloadIfUnknown(false)
    if (rs.cache.roles.get(auth.role) === false) {
      throw new ApiError(403, "42501", `permission denied to set role "${auth.role}"`)
    }
    const rc: RequestContext = {
      req,
      method,
      path,
      url,
      schema,
      byProfile: profile !== undefined,
      media,
      prefs,
      auth,
    }
    let segments: string[]
    try {
      segments = path.split("/").filter(Boolean).map(decodeURIComponent)
    } catch {
      throw new ApiError(404, "PGRST125", "Invalid path specified in request URL")
    }
    const readBodyOnce = async () => {
      try {
        return await readBody(req)
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          throw new ApiError(413, "PGRST102", "Request body is too large")
        throw error
      }
    }

    if (segments.length === 0) {
      if (!readMethod) throw new ApiError(405, "PGRST117", `Unsupported HTTP method: ${method}`)
      return openApi(rs, rc)
    }
    if (segments[0] === "rpc" && segments.length === 2) {
      await rs.reloadIfUnknown(rs.cache.routines.has(qualified(schema, segments[1]!)))
      const raw = method === "POST" ? await readBodyOnce() : null
      return callRoutine(rs, rc, segments[1]!, raw)
    }
    if (segments.length !== 1)
      throw new ApiError(404, "PGRST125", "Invalid path specified in request URL")
    await rs.reloadIfUnknown(rs.cache.tables.has(qualified(schema, segments[0]!)))
    const table = findTable(rs, schema, segments[0]!)
    switch (method) {
      case "GET":
      case "HEAD": {
        const outcome = await read(
          rs,
          rc,
          { table, alias: table.name, from: qualifiedIdent(table.schema, table.name) },
          parseQueryParams(url.searchParams)
        )
        return method === "HEAD" ? { ...outcome, body: "" } : outcome
      }
      case "POST":
        return mutate(
          rs,
          rc,
          table,
          parseQueryParams(url.searchParams),
          "insert",
          await readBodyOnce()
        )
      case "PATCH":
        return mutate(
          rs,
          rc,
          table,
          parseQueryParams(url.searchParams),
          "update",
          await readBodyOnce()
        )
      case "DELETE":
        return mutate(rs, rc, table, parseQueryParams(url.searchParams), "delete", null)
      case "PUT":
        return putSingle(rs, rc, table, parseQueryParams(url.searchParams), await readBodyOnce())
      default:
        throw new ApiError(405, "PGRST117", `Unsupported HTTP method: ${method}`)
    }
  }

  function send(res: ServerResponse, outcome: Outcome, head: boolean) {
    const body = head ? "" : outcome.body
    res.writeHead(outcome.status, { ...outcome.headers, "content-length": Buffer.byteLength(body) })
    res.end(body)
  }

  return {
    name: "rest",
    prefix: PREFIX,
    async start() {
      stopListening = await db.listen("pgrst", (payload) => {
        // The in-database configuration (pgrst.* settings) is read with the cache, so
        // PostgREST's 'reload config' reloads it too.
        if (payload === "" || payload === "reload schema" || payload === "reload config")
          void reload()
      })
    },
    async stop() {
      await stopListening?.()
    },
    async handle(req, res) {
      const head = req.method === "HEAD"
      try {
        send(res, await handleRequest(req), head)
      } catch (error) {
        const apiError = toApiError(error, false)
        if (
          apiError.status >= 500 &&
          !(error instanceof ApiError) &&
          !(error instanceof Error && "code" in error)
        ) {
          ctx.log(
            `[rest] ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
          )
        }
        send(
          res,
          {
            status: apiError.status,
            headers: { "content-type": "application/json; charset=utf-8", ...apiError.headers },
            body: JSON.stringify(apiError.body()),
          },
          head
        )
      }
    },
  }
}
