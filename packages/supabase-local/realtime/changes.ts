import { randomUUID } from "node:crypto"

import { z } from "zod"

import { type Database } from "../db/types"
import { type ChangeFilter } from "./filters"

/**
 * Postgres changes for the local stack. Row triggers on the tables of the supabase_realtime
 * publication NOTIFY each change at commit, in commit order: the whole change when it fits in a
 * notification, else its id in the outbox _realtime.changes, read back here
 * (bootstrap/38_realtime_inline_changes.sql). One query per batch of changes to one table (the
 * changes that arrived together) then decides, for every distinct subscriber identity, whether
 * the filters match and RLS lets that subscriber's role and claims select each row
 * (_realtime.check_change_batch, which mirrors Supabase Realtime's realtime.apply_rls). Each
 * distinct payload is encoded once. Triggers rather than logical decoding: they work on PGlite
 * and on a Postgres running with wal_level=replica, without a restart.
 */
export const PUBLICATION = "supabase_realtime"
const TRIGGER_NAME = "_realtime_capture"
const CHANGES_CHANNEL = "lmx_realtime_changes"
const SEND_CHANNEL = "lmx_realtime_send"
/** Above this a change is sent with only its small values, as Realtime's max_record_bytes. */
const MAX_RECORD_BYTES = 1024 * 1024
const SWEEP_INTERVAL_MS = 2000
// Schemas whose tables never emit, even in a FOR ALL TABLES publication.
const INTERNAL_SCHEMAS = ["_realtime", "_local", "realtime", "supabase_migrations", "auth"]

export type ChangeEvent = "*" | "INSERT" | "UPDATE" | "DELETE"

/** A socket whose writes can be held and sent together. */
export type Corkable = { cork(): void; uncork(): void }

/** What a channel receives when one of its bindings sees a change. */
export type ChangeSubscriber = {
  readonly role: string
  readonly claims: Record<string, unknown>
  /** The socket the channel writes to; channels of one socket share it. */
  readonly transport?: Corkable
  deliverChange(ids: number[], dataJson: string): void
}

export type ChangeBinding = {
  id: number
  event: ChangeEvent
  schema: string
  table: string
  filters: ChangeFilter[]
  subscriber: ChangeSubscriber
}

type PublishedTable = { schema: string; table: string }

const changeRowSchema = z.object({
  xid: z.string(),
  id: z.string(),
  schema_name: z.string(),
  table_name: z.string(),
  op: z.enum(["INSERT", "UPDATE", "DELETE"]),
  new_row: z.record(z.string(), z.unknown()).nullable(),
  old_row: z.record(z.string(), z.unknown()).nullable(),
  commit_timestamp: z.string(),
})
type ChangeRow = z.infer<typeof changeRowSchema>

/** A distinct subscriber identity, and the filter sets of its bindings (indexes). */
type ClaimSet = { role: string; claims: Record<string, unknown>; filters: number[] }

/** A notified change: whole, or the outbox id of one too large for a notification. */
type Pending = ({ row: ChangeRow } | { outboxId: string }) & { notifiedAt: number }

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Per filter set, whether each change matches; per claim set, the changes it may see. */
const checkSchema = z.object({
  filters: z.array(z.array(z.boolean())),
  visible: z.array(z.array(z.number().int())),
})
type Check = z.infer<typeof checkSchema>

/** Changes to one table checked in one query; a transaction of thousands is split. */
const MAX_CHECK_BATCH = 100

/**
 * Per-change timings (performance.timeOrigin + performance.now(), the clock subscribers in other
 * processes share), for the benchmark's breakdown of where fan-out time goes.
 */
export type ChangeTrace = {
  schema: string
  table: string
  op: ChangeRow["op"]
  record: Record<string, unknown> | null
  /** The NOTIFY of its transaction arrived. */
  notifiedAt: number
  /** Its batch was taken from the queue (and any large row read from the outbox). */
  readAt: number
  /** The check of its batch was sent to the database. */
  checkSentAt: number
  /** How many changes that check covered. */
  batchSize: number
  /** The check of its batch (filters and RLS for every subscriber) answered. */
  checkedAt: number
  /** Every distinct payload was encoded. */
  encodedAt: number
  /** Every frame was handed to its socket. */
  sentAt: number
  deliveries: number
}

const clock = () => performance.timeOrigin + performance.now()

const tableMetaSchema = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  pk: z.array(z.string()),
  rls: z.boolean(),
  replica_identity: z.string(),
  roles: z.record(z.string(), z.array(z.string())),
})
type TableMeta = z.infer<typeof tableMetaSchema> & { fetchedAt: number }

/** Table shapes and column privileges are re-read this often (DDL while subscribed is rare). */
const META_TTL_MS = 2000

/** A change ready to send: who sees it, computed ahead so checks can overlap on Postgres. */
type Prepared = {
  change: ChangeRow
  meta: TableMeta
  deliveries: Map<ChangeSubscriber, number[]>
  notifiedAt: number
  readAt: number
  checkSentAt: number
  batchSize: number
  checkedAt: number
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function matchesBinding(binding: ChangeBinding, change: ChangeRow): boolean {
  if (binding.event !== "*" && binding.event !== change.op) return false
  if (binding.schema !== "*" && binding.schema !== change.schema_name) return false

  return binding.table === "*" || binding.table === change.table_name
}

function pick(
  row: Record<string, unknown> | null,
  keep: (column: string) => boolean
): Record<string, unknown> | null {
  if (!row) return null
  const out: Record<string, unknown> = {}
  let any = false
  for (const [key, value] of Object.entries(row)) {
    if (keep(key)) {
      out[key] = value
      any = true
    }
  }

  return any ? out : null
}

export class ChangeFeed {
  private readonly bindings = new Set<ChangeBinding>()
  private readonly pending: Pending[] = []
  private pumping: Promise<void> | undefined
  private stopListening: (() => Promise<void>)[] = []
  private sweepTimer: NodeJS.Timeout | undefined
  private readonly consumerId = randomUUID()
  private stopped = false
  private captureSync: Promise<void> = Promise.resolve()
  private readonly meta = new Map<string, TableMeta>()
  private readonly metaRefresh = new Map<string, Promise<void>>()
  private delivering: Promise<void> = Promise.resolve()
  private inflight = 0
  private readonly waiting: (() => void)[] = []

  constructor(
    private readonly db: Database,
    private readonly log: (line: string) => void,
    private readonly onSend: (messageId: string) => void,
    private readonly trace?: (trace: ChangeTrace) => void
  ) {}

  async start() {
    // Changes left from a previous run reached nobody then; hosted Realtime does not replay them.
    await this.db.exec("delete from _realtime.consumers; delete from _realtime.changes;")
    await this.db.query("insert into _realtime.consumers (id) values ($1)", [this.consumerId])
    // Triggers come back as subscriptions ask for their tables, so tables nobody watches pay
    // nothing on write.
    const { rows } = await this.db.query<{ entity: string }>(
      "select t.tgrelid::regclass::text as entity from pg_catalog.pg_trigger t where t.tgname = $1",
      [TRIGGER_NAME]
    )
    for (const row of rows)
      await this.db.exec(`drop trigger if exists ${TRIGGER_NAME} on ${row.entity}`)
    this.stopListening.push(
      await this.db.listen(CHANGES_CHANNEL, (payload) => this.enqueue(payload)),
      await this.db.listen(SEND_CHANNEL, (id) => this.onSend(id))
    )
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS)
    this.sweepTimer.unref()
  }

  async stop() {
    this.stopped = true
    clearInterval(this.sweepTimer)
    for (const stop of this.stopListening.splice(0)) await stop().catch(() => undefined)
    await this.pumping?.catch(() => undefined)
    await this.delivering
    await Promise.all(this.metaRefresh.values())
    await this.db
      .query("delete from _realtime.consumers where id = $1", [this.consumerId])
      .catch(() => undefined)
  }

  /**
   * Installs capture triggers on the published tables a subscription wants, and removes them
   * from tables that left the publication. Runs before the join is answered, so every change
   * committed after SUBSCRIBED is captured.
   */
  syncCapture(wanted: (table: PublishedTable) => boolean): Promise<void> {
    // One pass at a time: concurrent DDL on the same table would conflict.
    const run = this.captureSync.then(() => this.doSyncCapture(wanted))
    this.captureSync = run.catch(() => undefined)

    return run
  }

  private async doSyncCapture(wanted: (table: PublishedTable) => boolean) {
    const { rows } = await this.db.query<{
      entity: string
      schema: string | null
      table: string | null
      published: boolean
      installed: boolean
    }>(
      `
      with published as (
        select format('%I.%I', p.schemaname, p.tablename)::regclass as entity,
               p.schemaname as schema, p.tablename as table
        from pg_catalog.pg_publication_tables p
        where p.pubname = $1 and p.schemaname <> all ($2::text[])
      ), installed as (
        select t.tgrelid::regclass as entity from pg_catalog.pg_trigger t where t.tgname = $3
      )
      select coalesce(p.entity, i.entity)::text as entity, p.schema, p.table,
             p.entity is not null as published,
             i.entity is not null as installed
      from published p full join installed i on p.entity = i.entity
      `,
      [PUBLICATION, INTERNAL_SCHEMAS, TRIGGER_NAME]
    )
    for (const row of rows) {
      const isWanted =
        row.schema !== null &&
        row.table !== null &&
        wanted({ schema: row.schema, table: row.table })
      if (row.published && !row.installed && isWanted) {
        await this.db.exec(
          `create or replace trigger ${TRIGGER_NAME} after insert or update or delete on ${row.entity} for each row execute function _realtime.capture()`
        )
      } else if (!row.published && row.installed) {
        await this.db.exec(`drop trigger if exists ${TRIGGER_NAME} on ${row.entity}`)
      }
    }
  }

  async publishedTables(): Promise<PublishedTable[]> {
    const { rows } = await this.db.query<PublishedTable>(
      `select schemaname as schema, tablename as table from pg_catalog.pg_publication_tables
       where pubname = $1 and schemaname <> all ($2::text[])`,
      [PUBLICATION, INTERNAL_SCHEMAS]
    )

    return rows
  }

  /**
   * Checks a subscription as Realtime does when it creates it: the tables must be published, the
   * role must exist and may select the filtered columns, and each value must cast to its column's
   * type. Returns an error message, or null when the subscription is valid.
   */
  async validate(
    params: {
      event: ChangeEvent
      schema: string
      table: string
      filters: ChangeFilter[]
    },
    role: string
  ): Promise<string | null> {
    const described = `[event: ${params.event}, schema: ${params.schema}, table: ${params.table}, filters: ${JSON.stringify(
      params.filters.map((f) => [f.column, f.op, f.value])
    )}]`
    const tables = (await this.publishedTables()).filter(
      (t) =>
        (params.schema === "*" || t.schema === params.schema) &&
        (params.table === "*" || t.table === params.table)
    )
    if (tables.length === 0) {
      return `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: ${described}`
    }
    try {
      const roleExists = await this.db.query(
        "select 1 from pg_catalog.pg_roles where rolname = $1",
        [role]
      )
      if (roleExists.rows.length === 0) throw new Error(`role "${role}" does not exist`)
      for (const table of tables) {
        const entity = `${quoteIdent(table.schema)}.${quoteIdent(table.table)}`
        for (const filter of params.filters) {
          const { rows } = await this.db.query<{
            type: string | null
            selectable: boolean
          }>(
            `select pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
                    pg_catalog.has_column_privilege($3, a.attrelid, a.attnum, 'SELECT') as selectable
             from pg_catalog.pg_attribute a
             where a.attrelid = $1::regclass and a.attname = $2 and a.attnum > 0 and not a.attisdropped`,
            [entity, filter.column, role]
          )
          const column = rows[0]
          if (!column?.type || !column.selectable) {
            throw new Error(`invalid column for filter ${filter.column}`)
          }
          const type = filter.op === "in" ? `${column.type}[]` : column.type
          await this.db.query(`select $1::text::${type}`, [filter.value])
        }
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)

      return `Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: ${described}. Exception: ${reason}`
    }

    return null
  }

  add(binding: ChangeBinding) {
    this.bindings.add(binding)
  }

  remove(binding: ChangeBinding) {
    this.bindings.delete(binding)
  }

  /**
   * A notification carries a whole change (JSON), or the outbox id of one too large to ride in
   * it (bootstrap/38_realtime_inline_changes.sql).
   */
  private enqueue(payload: string) {
    if (this.stopped) return
    let entry: Pending
    if (/^\d+$/.test(payload)) entry = { outboxId: payload, notifiedAt: clock() }
    else {
      const parsed = changeRowSchema.safeParse(safeJson(payload))
      if (!parsed.success) return
      entry = { row: parsed.data, notifiedAt: clock() }
    }
    this.pending.push(entry)
    this.kick()
  }

  private kick() {
    if (this.pumping || this.stopped) return
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined
      if (this.pending.length > 0) this.kick()
    })
  }

  private async sweep() {
    if (this.stopped || this.pumping) return
    try {
      // Large changes whose NOTIFY was missed (a dropped listener connection) still get
      // delivered; the ids already queued are skipped by the read, which deletes as it reads.
      const { rows } = await this.db.query<{ id: string }>(
        `select id::text as id from _realtime.changes
         where changed_at < now() - interval '2 seconds'
         order by id limit 100`
      )
      for (const row of rows) this.enqueue(row.id)
    } catch (error) {
      if (!this.stopped) this.log(`[realtime] outbox sweep failed: ${String(error)}`)
    }
  }

  private async pump() {
    while (this.pending.length > 0 && !this.stopped) {
      // A slot is taken before the batch is formed: while every slot is busy, the changes that
      // commit meanwhile pile up and are then checked and sent as one batch, so the cost per
      // change falls as the rate rises instead of queueing up.
      await this.acquire()
      if (this.pending.length === 0 || this.stopped) {
        this.release()
        break
      }
      const batch = this.pending.splice(0, 500)
      const ready = this.readAndCheck(batch).finally(() => this.release())
      // Checks of several batches overlap on Postgres's pool; deliveries go out one batch
      // after another, in commit order.
      const previous = this.delivering
      this.delivering = (async () => {
        const items = await ready
        await previous
        try {
          if (!this.stopped) this.deliver(items)
        } catch (error) {
          this.log(`[realtime] delivering changes failed: ${String(error)}`)
        }
      })()
    }
  }

  /** Reads the batch's large changes from the outbox and decides who sees each change. */
  private async readAndCheck(batch: Pending[]): Promise<Prepared[]> {
    const outboxIds = batch.flatMap((entry) => ("outboxId" in entry ? [entry.outboxId] : []))
    const outboxRows = new Map<string, ChangeRow>()
    if (outboxIds.length > 0) {
      try {
        const result = await this.db.query(
          `delete from _realtime.changes where id = any ($1::bigint[])
           returning xid::text as xid, id::text as id, schema_name, table_name, op, new_row, old_row,
             to_char(changed_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as commit_timestamp`,
          [outboxIds]
        )
        for (const row of z.array(changeRowSchema).parse(result.rows)) outboxRows.set(row.id, row)
      } catch (error) {
        if (!this.stopped) this.log(`[realtime] reading changes failed: ${String(error)}`)
      }
    }
    const readAt = clock()
    // Notification order is commit order and, within a transaction, the order of its statements.
    const rows: { row: ChangeRow; notifiedAt: number }[] = []
    for (const entry of batch) {
      const row = "row" in entry ? entry.row : outboxRows.get(entry.outboxId)
      // An outbox id read by an earlier batch (the sweep re-queues what it finds) is gone.
      if (row) rows.push({ row, notifiedAt: entry.notifiedAt })
    }
    // Changes to one table with the same operation match the same bindings, so one query
    // answers for all of them (in chunks, so a huge transaction is not one huge statement).
    const open = new Map<string, { row: ChangeRow; notifiedAt: number }[]>()
    const groups: { row: ChangeRow; notifiedAt: number }[][] = []
    for (const item of rows) {
      const key = `${item.row.schema_name}\u0000${item.row.table_name}\u0000${item.row.op}`
      const group = open.get(key)
      if (group && group.length < MAX_CHECK_BATCH) group.push(item)
      else {
        const fresh = [item]
        open.set(key, fresh)
        groups.push(fresh)
      }
    }
    const prepared = new Map<ChangeRow, Prepared | null>()
    await Promise.all(
      groups.map(async (group) => {
        const changes = group.map((item) => item.row)
        const results = await this.prepare(changes, {
          readAt,
          notifiedAt: group.map((item) => item.notifiedAt),
        }).catch((error: unknown) => {
          if (!this.stopped)
            this.log(
              `[realtime] checking changes ${changes.map((row) => row.id).join(", ")} failed: ${String(error)}`
            )
          return changes.map(() => null)
        })
        changes.forEach((row, index) => prepared.set(row, results[index] ?? null))
      })
    )

    return rows.flatMap(({ row }) => prepared.get(row) ?? [])
  }

  private acquire(): Promise<void> {
    // Two batches at once on Postgres: one is checked while the next is read. More would only
    // make the batches smaller, and the checks compete for the same cores.
    const window = this.db.engine === "postgres" ? 2 : 1
    if (this.inflight < window) {
      this.inflight++
      return Promise.resolve()
    }

    return new Promise((resolve) => this.waiting.push(resolve))
  }

  private release() {
    const next = this.waiting.shift()
    if (next) next()
    else this.inflight--
  }

  private async tableMeta(entity: string, roles: string[]): Promise<TableMeta> {
    const cached = this.meta.get(entity)
    if (cached && roles.every((role) => role in cached.roles)) {
      // A stale shape is re-read beside the delivery rather than in front of it: the catalog
      // query would otherwise sit on the path of every change once per TTL.
      if (Date.now() - cached.fetchedAt >= META_TTL_MS && !this.metaRefresh.has(entity)) {
        const refresh = this.readTableMeta(entity, roles, cached)
          .then(
            () => undefined,
            (error: unknown) => {
              if (!this.stopped)
                this.log(`[realtime] reading ${entity}'s shape failed: ${String(error)}`)
            }
          )
          .finally(() => this.metaRefresh.delete(entity))
        this.metaRefresh.set(entity, refresh)
      }

      return cached
    }

    return this.readTableMeta(entity, roles, cached)
  }

  private async readTableMeta(
    entity: string,
    roles: string[],
    cached: TableMeta | undefined
  ): Promise<TableMeta> {
    const { rows } = await this.db.query<{ meta: unknown }>(
      `select jsonb_build_object(
         'rls', c.relrowsecurity,
         'replica_identity', c.relreplident::text,
         'columns', (
           select coalesce(jsonb_agg(jsonb_build_object('name', a.attname, 'type', t.typname) order by a.attnum), '[]')
           from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid = a.atttypid
           where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
         'pk', (
           select coalesce(jsonb_agg(a.attname order by a.attnum), '[]')
           from pg_catalog.pg_index i
           join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
           where i.indrelid = c.oid and i.indisprimary),
         'roles', (
           select coalesce(jsonb_object_agg(r.role, (
             select coalesce(jsonb_agg(a.attname order by a.attnum), '[]')
             from pg_catalog.pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               and pg_catalog.has_column_privilege(r.role, c.oid, a.attnum, 'SELECT'))), '{}')
           from unnest($2::text[]) r(role)
           where exists (select 1 from pg_catalog.pg_roles where rolname = r.role))
       ) as meta
       from pg_catalog.pg_class c where c.oid = $1::regclass`,
      [entity, [...new Set([...roles, ...Object.keys(cached?.roles ?? {})])]]
    )
    const meta = {
      ...tableMetaSchema.parse(rows[0]?.meta),
      fetchedAt: Date.now(),
    }
    this.meta.set(entity, meta)

    return meta
  }

  private async prepare(
    changes: ChangeRow[],
    stamps: { readAt: number; notifiedAt: number[] }
  ): Promise<(Prepared | null)[]> {
    // Every change of the group has the same table and operation, so the same bindings.
    const first = changes[0]!
    // Grouped by role, so the check switches role once per role, not once per subscriber.
    const bindings = [...this.bindings]
      .filter((binding) => matchesBinding(binding, first))
      .sort((a, b) =>
        a.subscriber.role < b.subscriber.role ? -1 : a.subscriber.role > b.subscriber.role ? 1 : 0
      )
    if (bindings.length === 0) return changes.map(() => null)

    // Distinct filter sets and distinct (role, claims) pairs: a batch costs one check per
    // distinct subscriber identity, however many channels share it.
    const filterIndex = new Map<string, number>()
    const filterSets: ChangeFilter[][] = []
    const claimIndex = new Map<string, number>()
    const claimSets: ClaimSet[] = []
    const keys = bindings.map((binding) => {
      const filterKey = JSON.stringify(binding.filters)
      let f = filterIndex.get(filterKey)
      if (f === undefined) {
        f = filterSets.length
        filterIndex.set(filterKey, f)
        filterSets.push(binding.filters)
      }
      const { role, claims } = binding.subscriber
      const claimKey = `${role}\u0000${JSON.stringify(claims)}`
      let c = claimIndex.get(claimKey)
      if (c === undefined) {
        c = claimSets.length
        claimIndex.set(claimKey, c)
        claimSets.push({ role, claims, filters: [] })
      }
      // RLS is checked for an identity only when one of its bindings' filter sets matches.
      if (!claimSets[c]!.filters.includes(f)) claimSets[c]!.filters.push(f)

      return { f, c }
    })

    const entity = `${quoteIdent(first.schema_name)}.${quoteIdent(first.table_name)}`
    const meta = await this.tableMeta(
      entity,
      claimSets.map((claims) => claims.role)
    )
    // Deletes cannot be checked against RLS (the row is gone): as on Supabase, they go to every
    // matching subscriber and reveal only the key. Nor are they filtered by any other column:
    // a filter matched against the old row would answer guesses about rows the subscriber may
    // not read (Realtime's apply_rls passes deletes through filters, migration
    // 20220916233421_update_apply_rls_function_to_pass_through_delete_events_on_filter, and
    // its WAL identity holds only the key). Filters on key columns still apply.
    const deleteUnderRls = meta.rls && first.op === "DELETE"
    if (deleteUnderRls) {
      filterSets.forEach((set, index) => {
        filterSets[index] = set.filter((filter) => meta.pk.includes(filter.column))
      })
    }
    const needsRls = meta.rls && first.op !== "DELETE"
    const checkSentAt = clock()
    const hasFilters = filterSets.some((set) => set.length > 0)
    const everyChange = changes.map((_, index) => index)
    let check: Check = {
      filters: filterSets.map(() => changes.map(() => true)),
      visible: claimSets.map(() => (needsRls ? [] : everyChange)),
    }
    if (needsRls || hasFilters) {
      const withKeys = needsRls && meta.pk.length > 0
      check = await this.check(entity, changes, withKeys ? meta.pk : null, filterSets, claimSets)
      if (!needsRls) check.visible = claimSets.map(() => everyChange)
      else if (!withKeys) check.visible = claimSets.map(() => [])
    }
    const checkedAt = clock()
    const visibleSets = check.visible.map((ordinals) => new Set(ordinals))

    return changes.map((change, index) => {
      const deliveries = new Map<ChangeSubscriber, number[]>()
      bindings.forEach((binding, b) => {
        const { f, c } = keys[b]!
        if (!check.filters[f]?.[index] || !visibleSets[c]?.has(index)) return
        const ids = deliveries.get(binding.subscriber) ?? []
        if (!ids.includes(binding.id)) ids.push(binding.id)
        deliveries.set(binding.subscriber, ids)
      })

      return deliveries.size === 0
        ? null
        : {
            change,
            meta,
            deliveries,
            notifiedAt: stamps.notifiedAt[index]!,
            readAt: stamps.readAt,
            checkSentAt,
            batchSize: changes.length,
            checkedAt,
          }
    })
  }

  private deliver(items: Prepared[]) {
    // Every frame of the batch for one socket goes out in one write (as many syscalls per batch
    // as sockets, not per change).
    const transports = new Set<Corkable>()
    for (const { deliveries } of items) {
      for (const subscriber of deliveries.keys()) {
        if (subscriber.transport && !transports.has(subscriber.transport)) {
          transports.add(subscriber.transport)
          subscriber.transport.cork()
        }
      }
    }
    try {
      for (const item of items) this.deliverOne(item)
    } finally {
      for (const transport of transports) transport.uncork()
    }
  }

  private deliverOne(prepared: Prepared) {
    const { change, meta, deliveries } = prepared
    // One encoding per role (what a role may select decides the payload), shared by every
    // subscriber of that role; only the frame around it differs per channel.
    const dataByRole = new Map<string, string>()
    for (const subscriber of deliveries.keys()) {
      if (!dataByRole.has(subscriber.role))
        dataByRole.set(subscriber.role, buildChangeData(change, meta, subscriber.role))
    }
    const encodedAt = this.trace ? clock() : 0
    for (const [subscriber, ids] of deliveries) {
      subscriber.deliverChange(ids, dataByRole.get(subscriber.role)!)
    }
    this.trace?.({
      schema: change.schema_name,
      table: change.table_name,
      op: change.op,
      record: change.new_row ?? change.old_row,
      notifiedAt: prepared.notifiedAt,
      readAt: prepared.readAt,
      checkSentAt: prepared.checkSentAt,
      batchSize: prepared.batchSize,
      checkedAt: prepared.checkedAt,
      encodedAt,
      sentAt: clock(),
      deliveries: deliveries.size,
    })
  }

  private async check(
    entity: string,
    changes: ChangeRow[],
    pk: string[] | null,
    filterSets: ChangeFilter[][],
    claimSets: ClaimSet[]
  ): Promise<Check> {
    const run = async (
      rows: ChangeRow[],
      filters: ChangeFilter[][],
      claims: (Omit<ClaimSet, "filters"> & { filters?: number[] })[]
    ): Promise<Check> => {
      const filterRows = rows.map((row) => (row.op === "DELETE" ? row.old_row : row.new_row) ?? {})
      const keys = pk
        ? rows.map((row) =>
            Object.fromEntries(pk.map((column) => [column, row.new_row?.[column] ?? null]))
          )
        : null
      const { rows: result } = await this.db.query<{ result: string }>(
        "select _realtime.check_change_batch($1::regclass, $2, $3, $4, $5) as result",
        [
          entity,
          JSON.stringify(filterRows),
          keys && JSON.stringify(keys),
          JSON.stringify(filters),
          JSON.stringify(claims),
        ]
      )

      return checkSchema.parse(JSON.parse(result[0]?.result ?? "null"))
    }
    try {
      // Many subscriber identities are split over a few connections that check at once: each
      // runs the statement once per identity, so this divides the check's time on a multi-core
      // database. Each part evaluates the filters, which its identities need; the answer for
      // them is taken from the first.
      const parts = pk && this.db.engine === "postgres" ? partsOf(claimSets) : [claimSets]
      const checks = await Promise.all(parts.map((claims) => run(changes, filterSets, claims)))

      return { filters: checks[0]!.filters, visible: checks.flatMap((part) => part.visible) }
    } catch (error) {
      // One failing policy or filter must not cost everyone else the changes: check each filter
      // set and each subscriber identity alone, change by change, and what still fails is not
      // visible (nor matched).
      this.log(`[realtime] change check failed, retrying one by one: ${String(error)}`)
      const filters: boolean[][] = filterSets.map(() => [])
      const visible: number[][] = claimSets.map(() => [])
      for (const [index, change] of changes.entries()) {
        for (const [f, set] of filterSets.entries()) {
          filters[f]![index] = await run([change], [set], []).then(
            (r) => r.filters[0]?.[0] ?? false,
            () => false
          )
        }
        if (!pk) continue
        for (const [c, claims] of claimSets.entries()) {
          const seen = await run([change], [], [{ role: claims.role, claims: claims.claims }]).then(
            (r) => (r.visible[0] ?? []).includes(0),
            () => false
          )
          if (seen) visible[c]!.push(index)
        }
      }

      return { filters, visible }
    }
  }
}

/**
 * At most this many connections check one batch at once: with two batches in flight that is four
 * of the pool's ten, and REST serves requests from the same pool.
 */
const CHECK_PARTS = 2
/** Below this many subscriber identities per part a second connection costs more than it saves. */
const MIN_CLAIMS_PER_PART = 24

function partsOf<T>(items: T[]): T[][] {
  const count = Math.max(1, Math.min(CHECK_PARTS, Math.floor(items.length / MIN_CLAIMS_PER_PART)))
  const size = Math.ceil(items.length / count)
  const parts: T[][] = []
  for (let start = 0; start < items.length; start += size)
    parts.push(items.slice(start, start + size))

  return parts.length > 0 ? parts : [items]
}

/** The `data` of a postgres_changes message, shaped as Supabase Realtime sends it. */
function buildChangeData(change: ChangeRow, meta: TableMeta, role: string): string {
  const allowed = new Set(meta.roles[role] ?? [])
  const pk = new Set(meta.pk)
  const tooLarge = JSON.stringify(change.new_row ?? change.old_row ?? {}).length > MAX_RECORD_BYTES
  const small = (value: unknown) => !tooLarge || JSON.stringify(value ?? null).length <= 64

  const data: Record<string, unknown> = {
    schema: change.schema_name,
    table: change.table_name,
    commit_timestamp: change.commit_timestamp,
    type: change.op,
    columns: meta.columns.filter((column) => allowed.has(column.name)),
  }
  if (change.op !== "DELETE") {
    const record = change.new_row ?? {}
    data.record = pick(record, (column) => allowed.has(column) && small(record[column])) ?? {}
  }
  if (change.op !== "INSERT") {
    const old = change.old_row ?? {}
    // Without replica identity full only the key is known; a delete under RLS cannot be
    // authorized per row, so it never reveals more than the key.
    const onlyKey = meta.replica_identity !== "f" || (change.op === "DELETE" && meta.rls)
    data.old_record =
      meta.replica_identity === "n"
        ? null
        : pick(
            old,
            (column) => allowed.has(column) && (!onlyKey || pk.has(column)) && small(old[column])
          )
  }
  data.errors = tooLarge ? ["Error 413: Payload Too Large"] : null

  return JSON.stringify(data)
}
