import { z } from "zod"

import { type Queryable } from "../db/types"

export type Column = {
  name: string
  type: string
  /** The base type's name without modifiers, e.g. "tsvector", "jsonb", "_text". */
  udt: string
  notNull: boolean
  default: string | null
}

export type Table = {
  schema: string
  name: string
  isView: boolean
  columns: Map<string, Column>
  primaryKey: string[]
  /** Column lists of unique constraints (including the primary key). */
  uniques: string[][]
}

export type ForeignKey = {
  name: string
  schema: string
  table: string
  columns: string[]
  foreignSchema: string
  foreignTable: string
  foreignColumns: string[]
}

export type RoutineParam = { name: string; type: string; hasDefault: boolean }

export type Routine = {
  schema: string
  name: string
  params: RoutineParam[]
  volatility: "i" | "s" | "v"
  returnsSet: boolean
  returnType: string
  /** "void", "scalar", or "composite" (a table's row type, TABLE(...), OUT params). */
  returnKind: "void" | "scalar" | "composite"
  /** The table whose rows a function returns, for embedding and column lookups. */
  returnTable: string | null
  /**
   * The table (or view) whose row is the function's one argument: such a function is a
   * computed relationship (returning rows) or computed field (returning a scalar) of it.
   */
  rowArgTable: string | null
  /** The planner's row estimate (ROWS); a set-returning computed relationship with 1 is to-one. */
  rows: number
}

export type SchemaCache = {
  schemas: string[]
  tables: Map<string, Table>
  foreignKeys: ForeignKey[]
  routines: Map<string, Routine[]>
  /** Roles that exist, and whether PostgREST's authenticator may switch to each. */
  roles: Map<string, boolean>
  /** Time zone names Prefer: timezone may name. */
  timezones: Set<string>
  /** `alter role … set` settings, applied per request as PostgREST does (statement_timeout…). */
  roleSettings: Map<string, Record<string, string>>
  /** PostGIS's ST_AsGeoJSON(record) exists, so application/geo+json can be answered. */
  geoJson: boolean
}

export const qualified = (schema: string, name: string) => `${schema}.${name}`

const jsonArray = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (typeof value === "string" ? JSON.parse(value) : value), z.array(item))

const tableRow = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.string(),
  columns: jsonArray(
    z.object({
      name: z.string(),
      type: z.string(),
      udt: z.string(),
      not_null: z.boolean(),
      default: z.string().nullable(),
    })
  ),
})

const constraintRow = z.object({
  name: z.string(),
  type: z.string(),
  schema: z.string(),
  table: z.string(),
  columns: jsonArray(z.string()),
  foreign_schema: z.string().nullable(),
  foreign_table: z.string().nullable(),
  foreign_columns: jsonArray(z.string()).nullable(),
})

const viewColumnRow = z.object({
  view_schema: z.string(),
  view: z.string(),
  table_schema: z.string(),
  table: z.string(),
  column: z.string(),
  view_column: z.string(),
})

const routineRow = z.object({
  schema: z.string(),
  name: z.string(),
  volatility: z.enum(["i", "s", "v"]),
  returns_set: z.boolean(),
  n_args: z.number(),
  n_defaults: z.number(),
  arg_names: jsonArray(z.string()).nullable(),
  arg_modes: jsonArray(z.string()).nullable(),
  arg_types: jsonArray(z.string()),
  return_type: z.string(),
  return_typtype: z.string(),
  return_relation: z.string().nullable(),
  return_relation_schema: z.string().nullable(),
  arg_relation: z.string().nullable(),
  arg_relation_schema: z.string().nullable(),
  rows: z.coerce.number(),
})

const TABLES_SQL = `
  select n.nspname as schema, c.relname as name, c.relkind::text as kind,
    coalesce((
      select json_agg(json_build_object(
        'name', a.attname,
        'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
        'udt', t.typname,
        'not_null', a.attnotnull,
        -- A column's default as PostgREST's schema cache has it: an identity (by default)
        -- column's sequence, a domain's default, none for a generated column.
        'default', case
          when t.typbasetype <> 0 and d.adbin is null then pg_catalog.pg_get_expr(t.typdefaultbin, 0)
          when a.attidentity = 'd' then format('nextval(%L)',
            pg_catalog.pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname))
          when a.attgenerated = 's' then null
          else pg_catalog.pg_get_expr(d.adbin, d.adrelid)
        end
      ) order by a.attnum)
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_type t on t.oid = a.atttypid
      left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    ), '[]')::text as columns
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any($1::text[]) and c.relkind in ('r', 'v', 'm', 'f', 'p')
`

const CONSTRAINTS_SQL = `
  select con.conname as name, con.contype::text as type, n.nspname as schema, c.relname as table,
    (select json_agg(a.attname order by k.ord)
       from unnest(con.conkey) with ordinality k(attnum, ord)
       join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
    )::text as columns,
    fn.nspname as foreign_schema, fc.relname as foreign_table,
    (select json_agg(a.attname order by k.ord)
       from unnest(con.confkey) with ordinality k(attnum, ord)
       join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
    )::text as foreign_columns
  from pg_catalog.pg_constraint con
  join pg_catalog.pg_class c on c.oid = con.conrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_class fc on fc.oid = con.confrelid
  left join pg_catalog.pg_namespace fn on fn.oid = fc.relnamespace
  where con.contype in ('p', 'u', 'f')
    -- A partitioned table's keys are cloned onto each partition (conparentid names the
    -- original); only the partitioned table's own are relationships.
    and con.conparentid = 0
    and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
  order by con.conname
`

// Which base-table column each view column reads, as PostgREST's schema cache finds it: the
// view's query tree (pg_rewrite.ev_action) records, for every output column that is a plain
// column reference, the table and column it originates from (resorigtbl, resorigcol), so a
// renamed column (`id as member_id`) still stands for its source.
const VIEW_COLUMNS_SQL = `
  select distinct vn.nspname as view_schema, v.relname as view, tn.nspname as table_schema,
    t.relname as table, ta.attname as column, va.attname as view_column
  from pg_catalog.pg_class v
  join pg_catalog.pg_namespace vn on vn.oid = v.relnamespace
  join pg_catalog.pg_rewrite r on r.ev_class = v.oid and r.rulename = '_RETURN'
  cross join lateral regexp_matches(r.ev_action::text,
    ':resno (\\d+) :resname (\\S+) :ressortgroupref \\d+ :resorigtbl (\\d+) :resorigcol (\\d+)', 'g') m
  join pg_catalog.pg_attribute va on va.attrelid = v.oid and va.attnum = m[1]::int
    and va.attname = m[2] and not va.attisdropped
  join pg_catalog.pg_class t on t.oid = m[3]::oid and t.oid <> v.oid
    and t.relkind in ('r', 'p', 'v', 'm', 'f')
  join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
  join pg_catalog.pg_attribute ta on ta.attrelid = t.oid and ta.attnum = m[4]::int
  where v.relkind in ('v', 'm') and vn.nspname = any($1::text[])
`

// PostgREST connects as authenticator and may only become roles granted to it.
const ROLES_SQL = `
  select r.rolname as name,
    exists (select 1 from pg_catalog.pg_roles a where a.rolname = 'authenticator')
      and pg_catalog.pg_has_role('authenticator', r.oid, 'member') as switchable
  from pg_catalog.pg_roles r
`

const ROLE_SETTINGS_SQL = `
  select r.rolname as role, to_json(s.setconfig)::text as settings, s.setdatabase = 0 as global
  from pg_catalog.pg_db_role_setting s
  join pg_catalog.pg_roles r on r.oid = s.setrole
  where s.setdatabase = 0
    or s.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())
`

const ROUTINES_SQL = `
  select n.nspname as schema, p.proname as name, p.provolatile::text as volatility,
    p.proretset as returns_set, p.pronargs::int as n_args, p.pronargdefaults::int as n_defaults,
    to_json(p.proargnames)::text as arg_names,
    to_json(p.proargmodes::text[])::text as arg_modes,
    (select coalesce(json_agg(pg_catalog.format_type(x, null) order by o), '[]')
       from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(x, o)
    )::text as arg_types,
    pg_catalog.format_type(p.prorettype, null) as return_type,
    t.typtype::text as return_typtype,
    rc.relname as return_relation, rn.nspname as return_relation_schema,
    ac.relname as arg_relation, an.nspname as arg_relation_schema, p.prorows::float8 as rows
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_type t on t.oid = p.prorettype
  left join pg_catalog.pg_class rc on rc.oid = t.typrelid and t.typtype = 'c'
  left join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
  left join pg_catalog.pg_type argt on p.pronargs = 1 and argt.oid = p.proargtypes[0]
  left join pg_catalog.pg_class ac on ac.oid = argt.typrelid and argt.typtype = 'c'
    and ac.relkind in ('r', 'v', 'm', 'f', 'p')
  left join pg_catalog.pg_namespace an on an.oid = ac.relnamespace
  where n.nspname = any($1::text[]) and p.prokind = 'f'
`

function toRoutine(row: z.infer<typeof routineRow>): Routine {
  const modes = row.arg_modes ?? row.arg_types.map(() => "i")
  const names = row.arg_names ?? []
  const inputs: { name: string; type: string }[] = []
  let hasOutParams = false
  row.arg_types.forEach((type, index) => {
    const mode = modes[index] ?? "i"
    if (mode === "i" || mode === "b" || mode === "v")
      inputs.push({ name: names[index] ?? "", type })
    if (mode === "o" || mode === "b" || mode === "t") hasOutParams = true
  })
  const firstDefault = inputs.length - row.n_defaults
  const params = inputs.map((input, index) => ({ ...input, hasDefault: index >= firstDefault }))
  const returnKind =
    row.return_type === "void"
      ? "void"
      : row.return_typtype === "c" || (row.return_type === "record" && hasOutParams)
        ? "composite"
        : "scalar"

  return {
    schema: row.schema,
    name: row.name,
    params,
    volatility: row.volatility,
    returnsSet: row.returns_set,
    returnType: row.return_type,
    returnKind,
    returnTable:
      row.return_relation && row.return_relation_schema
        ? qualified(row.return_relation_schema, row.return_relation)
        : null,
    rowArgTable:
      row.arg_relation && row.arg_relation_schema
        ? qualified(row.arg_relation_schema, row.arg_relation)
        : null,
    rows: row.rows,
  }
}

/** Reads what PostgREST keeps in its schema cache for the exposed schemas. */
export async function loadSchemaCache(db: Queryable, schemas: string[]): Promise<SchemaCache> {
  const [tableRows, constraintRows, routineRows, viewColumnRows] = [
    await db.query(TABLES_SQL, [schemas]),
    await db.query(CONSTRAINTS_SQL),
    await db.query(ROUTINES_SQL, [schemas]),
    await db.query(VIEW_COLUMNS_SQL, [schemas]),
  ]
  const tables = new Map<string, Table>()
  for (const raw of tableRows.rows) {
    const row = tableRow.parse(raw)
    tables.set(qualified(row.schema, row.name), {
      schema: row.schema,
      name: row.name,
      isView: row.kind === "v" || row.kind === "m",
      columns: new Map(
        row.columns.map((c) => [
          c.name,
          { name: c.name, type: c.type, udt: c.udt, notNull: c.not_null, default: c.default },
        ])
      ),
      primaryKey: [],
      uniques: [],
    })
  }
  const foreignKeys: ForeignKey[] = []
  const keys = new Map<string, { primaryKey: string[]; uniques: string[][] }>()
  for (const raw of constraintRows.rows) {
    const row = constraintRow.parse(raw)
    const key = qualified(row.schema, row.table)
    const entry = keys.get(key) ?? { primaryKey: [], uniques: [] }
    keys.set(key, entry)
    if (row.type === "p") entry.primaryKey = row.columns
    if (row.type === "p" || row.type === "u") entry.uniques.push(row.columns)
    if (row.type === "f" && row.foreign_schema && row.foreign_table && row.foreign_columns) {
      foreignKeys.push({
        name: row.name,
        schema: row.schema,
        table: row.table,
        columns: row.columns,
        foreignSchema: row.foreign_schema,
        foreignTable: row.foreign_table,
        foreignColumns: row.foreign_columns,
      })
    }
  }
  for (const [key, entry] of keys) {
    const table = tables.get(key)
    if (table) Object.assign(table, entry)
  }
  foreignKeys.push(
    ...viewForeignKeys(
      tables,
      foreignKeys,
      keys,
      viewColumnRows.rows.map((r) => viewColumnRow.parse(r))
    )
  )
  const routines = new Map<string, Routine[]>()
  for (const raw of routineRows.rows) {
    const routine = toRoutine(routineRow.parse(raw))
    const key = qualified(routine.schema, routine.name)
    routines.set(key, [...(routines.get(key) ?? []), routine])
  }

  const roleRows = await db.query<{ name: string; switchable: boolean }>(ROLES_SQL)
  const roles = new Map(roleRows.rows.map((row) => [row.name, row.switchable]))

  const zoneRows = await db.query<{ name: string }>("select name from pg_catalog.pg_timezone_names")
  const timezones = new Set(zoneRows.rows.map((row) => row.name))

  const settingRows = await db.query<{ role: string; settings: string; global: boolean }>(
    ROLE_SETTINGS_SQL
  )
  const roleSettings = new Map<string, Record<string, string>>()
  // Settings for every database first, then this database's, which win.
  for (const row of [...settingRows.rows].sort((a, b) => Number(b.global) - Number(a.global))) {
    const settings = roleSettings.get(row.role) ?? {}
    for (const entry of z.array(z.string()).parse(JSON.parse(row.settings))) {
      const index = entry.indexOf("=")
      const name = entry.slice(0, index)
      if (index > 0 && name !== "search_path" && name !== "role")
        settings[name] = entry.slice(index + 1)
    }
    roleSettings.set(row.role, settings)
  }

  // PostgREST offers application/geo+json when PostGIS (3+) provides ST_AsGeoJSON(record).
  const geoRows = await db.query<{ ok: boolean }>(
    "select exists (select 1 from pg_catalog.pg_proc where proname = 'st_asgeojson' and proargtypes[0] = 'pg_catalog.record'::pg_catalog.regtype) as ok"
  )
  const geoJson = geoRows.rows[0]?.ok === true

  return { schemas, tables, foreignKeys, routines, roles, timezones, roleSettings, geoJson }
}

/**
 * Relationships through views: a view column that reads a base-table column (under its own
 * name or another) stands for it, so the base table's keys and foreign keys carry over to the
 * view with the view's column names, as PostgREST's view key dependencies do.
 */
function viewForeignKeys(
  tables: Map<string, Table>,
  foreignKeys: ForeignKey[],
  keys: Map<string, { primaryKey: string[]; uniques: string[][] }>,
  rows: z.infer<typeof viewColumnRow>[]
): ForeignKey[] {
  const derived: ForeignKey[] = []
  // view → base table → base column → the view column reading it
  const byView = new Map<string, Map<string, Map<string, string>>>()
  for (const row of rows) {
    const view = qualified(row.view_schema, row.view)
    const base = qualified(row.table_schema, row.table)
    const bases = byView.get(view) ?? new Map<string, Map<string, string>>()
    byView.set(view, bases)
    const columns = bases.get(base) ?? new Map<string, string>()
    bases.set(base, columns)
    // Where two view columns read one base column, the one named like it wins.
    if (!columns.has(row.column) || row.view_column === row.column)
      columns.set(row.column, row.view_column)
  }
  for (const [viewKey, bases] of byView) {
    const view = tables.get(viewKey)
    if (!view) continue
    /** The view's names for a base table's columns, or null when it does not read them all. */
    const mapped = (base: string, columns: string[]) => {
      const names = columns.map((c) => bases.get(base)?.get(c))
      return names.every((n): n is string => n !== undefined && view.columns.has(n)) ? names : null
    }
    for (const base of bases.keys()) {
      const entry = keys.get(base)
      if (!entry?.primaryKey.length || bases.size !== 1) continue
      const primaryKey = mapped(base, entry.primaryKey)
      if (primaryKey) {
        view.primaryKey = primaryKey
        view.uniques = entry.uniques
          .map((u) => mapped(base, u))
          .filter((u): u is string[] => u !== null)
      }
    }
    for (const fk of foreignKeys) {
      const source = qualified(fk.schema, fk.table)
      const target = qualified(fk.foreignSchema, fk.foreignTable)
      const columns = bases.has(source) ? mapped(source, fk.columns) : null
      if (columns) derived.push({ ...fk, schema: view.schema, table: view.name, columns })
      const foreignColumns = bases.has(target) ? mapped(target, fk.foreignColumns) : null
      if (foreignColumns) {
        derived.push({
          ...fk,
          foreignSchema: view.schema,
          foreignTable: view.name,
          foreignColumns,
        })
      }
    }
  }

  return derived
}
