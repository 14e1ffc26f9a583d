// Generates lib/database.types.ts from the schema the migrations build, in the shape
// `supabase gen types typescript` writes, so `SupabaseClient<Database>` types every query.
// It boots a throwaway in-memory database (bootstrap + migrations, no seed) and introspects
// the schemas the API exposes. Usage: npm run db:types
import { readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { pathToFileURL } from "node:url"

import { openDatabase } from "@lmx/supabase-local/db/open"
import { type Queryable } from "@lmx/supabase-local/db/types"
import { prepareDatabase } from "@lmx/supabase-local/migrate"
import { format, resolveConfig } from "prettier"
import { parse as parseToml } from "smol-toml"
import { z } from "zod"

const root = path.resolve(import.meta.dirname, "..")
export const TYPES_FILE = path.join(root, "lib/database.types.ts")

/** The API's schemas, as config.toml lists them (what PostgREST would expose). */
export function exposedSchemas(): string[] {
  const config = z
    .object({ api: z.object({ schemas: z.array(z.string()).min(1) }) })
    .parse(parseToml(readFileSync(path.join(root, "supabase/config.toml"), "utf8")))

  return config.api.schemas
}

const typeRowSchema = z.object({
  oid: z.coerce.number(),
  name: z.string(),
  schema: z.string(),
  typtype: z.string(),
  elem: z.coerce.number(),
  base: z.coerce.number(),
  relkind: z.string().nullable(),
  relname: z.string().nullable(),
})
type TypeRow = z.infer<typeof typeRowSchema>

const columnRowSchema = z.object({
  relation: z.string(),
  schema: z.string(),
  relkind: z.string(),
  name: z.string(),
  type: z.coerce.number(),
  nullable: z.boolean(),
  has_default: z.boolean(),
  identity: z.string(),
  generated: z.string(),
  updatable: z.boolean(),
})
type ColumnRow = z.infer<typeof columnRowSchema>

const relationRowSchema = z.object({
  schema: z.string(),
  name: z.string(),
  relkind: z.string(),
  insertable: z.boolean(),
  updatable: z.boolean(),
})

const foreignKeyRowSchema = z.object({
  schema: z.string(),
  relation: z.string(),
  name: z.string(),
  columns: z.array(z.string()),
  referenced_relation: z.string(),
  referenced_columns: z.array(z.string()),
  one_to_one: z.boolean(),
})

const jsonArray = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) => (typeof value === "string" ? JSON.parse(value) : value),
    z.array(item).nullable()
  )

const functionRowSchema = z.object({
  schema: z.string(),
  name: z.string(),
  returns_set: z.boolean(),
  return_type: z.coerce.number(),
  arg_names: jsonArray(z.string()),
  arg_modes: jsonArray(z.string()),
  all_arg_types: jsonArray(z.coerce.number()),
  in_arg_types: jsonArray(z.coerce.number()),
  defaults: z.coerce.number(),
})
type FunctionRow = z.infer<typeof functionRowSchema>

const enumRowSchema = z.object({
  schema: z.string(),
  name: z.string(),
  labels: jsonArray(z.string()),
})

async function rows<T extends z.ZodType>(db: Queryable, schema: T, sql: string, params: unknown[]) {
  const result = await db.query(sql, params)

  return z.array(schema).parse(result.rows)
}

type Catalog = {
  types: Map<number, TypeRow>
  relations: z.infer<typeof relationRowSchema>[]
  columns: ColumnRow[]
  foreignKeys: z.infer<typeof foreignKeyRowSchema>[]
  functions: FunctionRow[]
  enums: z.infer<typeof enumRowSchema>[]
}

async function readCatalog(db: Queryable, schemas: string[]): Promise<Catalog> {
  const types = await rows(
    db,
    typeRowSchema,
    `select t.oid::int8 as oid, t.typname as name, n.nspname as schema, t.typtype::text as typtype,
            t.typelem::int8 as elem, t.typbasetype::int8 as base, c.relkind::text as relkind, c.relname
       from pg_catalog.pg_type t
       join pg_catalog.pg_namespace n on n.oid = t.typnamespace
       left join pg_catalog.pg_class c on c.oid = t.typrelid`,
    []
  )
  const relations = await rows(
    db,
    relationRowSchema,
    `select n.nspname as schema, c.relname as name, c.relkind::text as relkind,
            (pg_catalog.pg_relation_is_updatable(c.oid, false) & 8) = 8 as insertable,
            (pg_catalog.pg_relation_is_updatable(c.oid, false) & 4) = 4 as updatable
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any ($1) and c.relkind in ('r', 'p', 'v', 'm', 'f')`,
    [schemas]
  )
  const columns = await rows(
    db,
    columnRowSchema,
    `select c.relname as relation, n.nspname as schema, c.relkind::text as relkind, a.attname as name,
            a.atttypid::int8 as type, not a.attnotnull as nullable, a.atthasdef as has_default,
            a.attidentity::text as identity, a.attgenerated::text as generated,
            pg_catalog.pg_column_is_updatable(c.oid, a.attnum, false) as updatable
       from pg_catalog.pg_attribute a
       join pg_catalog.pg_class c on c.oid = a.attrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any ($1) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'c')
        and a.attnum > 0 and not a.attisdropped`,
    [schemas]
  )
  const foreignKeys = await rows(
    db,
    foreignKeyRowSchema,
    `select n.nspname as schema, c.relname as relation, con.conname as name,
            (select pg_catalog.json_agg(a.attname order by k.ord)
               from unnest(con.conkey) with ordinality as k (attnum, ord)
               join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns,
            rc.relname as referenced_relation,
            (select pg_catalog.json_agg(a.attname order by k.ord)
               from unnest(con.confkey) with ordinality as k (attnum, ord)
               join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as referenced_columns,
            exists (select 1 from pg_catalog.pg_constraint u
                     where u.conrelid = con.conrelid and u.contype in ('p', 'u')
                       and u.conkey @> con.conkey and u.conkey <@ con.conkey) as one_to_one
       from pg_catalog.pg_constraint con
       join pg_catalog.pg_class c on c.oid = con.conrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_class rc on rc.oid = con.confrelid
      where con.contype = 'f' and n.nspname = any ($1)`,
    [schemas]
  )
  const functions = await rows(
    db,
    functionRowSchema,
    `select n.nspname as schema, p.proname as name, p.proretset as returns_set,
            p.prorettype::int8 as return_type,
            pg_catalog.to_json(p.proargnames)::text as arg_names,
            pg_catalog.to_json(p.proargmodes::text[])::text as arg_modes,
            pg_catalog.to_json(p.proallargtypes::int8[])::text as all_arg_types,
            pg_catalog.to_json(p.proargtypes::oid[]::int8[])::text as in_arg_types,
            p.pronargdefaults as defaults
       from pg_catalog.pg_proc p
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname = any ($1) and p.prokind = 'f'
        and p.prorettype not in ('pg_catalog.trigger'::pg_catalog.regtype, 'pg_catalog.event_trigger'::pg_catalog.regtype)
      order by n.nspname, p.proname, p.oid`,
    [schemas]
  )
  const enums = await rows(
    db,
    enumRowSchema,
    `select n.nspname as schema, t.typname as name,
            pg_catalog.json_agg(e.enumlabel order by e.enumsortorder)::text as labels
       from pg_catalog.pg_type t
       join pg_catalog.pg_namespace n on n.oid = t.typnamespace
       join pg_catalog.pg_enum e on e.enumtypid = t.oid
      where n.nspname = any ($1)
      group by n.nspname, t.typname`,
    [schemas]
  )

  return {
    types: new Map(types.map((type) => [type.oid, type])),
    relations,
    columns,
    foreignKeys,
    functions,
    enums,
  }
}

const byName = <T extends { name: string }>(a: T, b: T) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name))
const EMPTY = "{ [_ in never]: never }"

function tsType(catalog: Catalog, schemas: string[], oid: number): string {
  const type = catalog.types.get(oid)
  if (!type) return "unknown"
  if (type.typtype === "d") return tsType(catalog, schemas, type.base)
  if (type.typtype === "e") {
    return schemas.includes(type.schema)
      ? `Database[${JSON.stringify(type.schema)}]["Enums"][${JSON.stringify(type.name)}]`
      : "string"
  }
  if (type.typtype === "c" && type.relname && schemas.includes(type.schema)) {
    const section =
      type.relkind === "c"
        ? "CompositeTypes"
        : type.relkind === "v" || type.relkind === "m"
          ? "Views"
          : "Tables"
    const member = type.relkind === "c" ? "" : `["Row"]`

    return `Database[${JSON.stringify(type.schema)}][${JSON.stringify(section)}][${JSON.stringify(type.relname)}]${member}`
  }
  if (type.name.startsWith("_") && type.elem !== 0)
    return `${tsType(catalog, schemas, type.elem)}[]`
  switch (type.name) {
    case "bool":
      return "boolean"
    case "int2":
    case "int4":
    case "int8":
    case "float4":
    case "float8":
    case "numeric":
    case "oid":
      return "number"
    case "json":
    case "jsonb":
      return "Json"
    case "void":
      return "undefined"
    case "record":
      return "Record<string, unknown>"
    case "unknown":
    case "any":
    case "anyelement":
      return "unknown"
    default:
      return "string"
  }
}

function tableSource(
  catalog: Catalog,
  schemas: string[],
  schema: string,
  relation: z.infer<typeof relationRowSchema>
) {
  const columns = catalog.columns
    .filter((column) => column.schema === schema && column.relation === relation.name)
    .sort(byName)
  const isTable = relation.relkind === "r" || relation.relkind === "p" || relation.relkind === "f"
  const nullable = (column: ColumnRow) => (column.nullable ? " | null" : "")
  const row = columns.map(
    (column) => `${key(column.name)}: ${tsType(catalog, schemas, column.type)}${nullable(column)}`
  )
  const writable = (column: ColumnRow) =>
    isTable ? column.generated === "" && column.identity !== "a" : column.updatable
  const insert = columns.map((column) => {
    if (!writable(column)) return `${key(column.name)}?: never`
    const optional = column.nullable || column.has_default || column.identity !== "" || !isTable

    return `${key(column.name)}${optional ? "?" : ""}: ${tsType(catalog, schemas, column.type)}${nullable(column)}`
  })
  const update = columns.map((column) =>
    writable(column)
      ? `${key(column.name)}?: ${tsType(catalog, schemas, column.type)}${nullable(column)}`
      : `${key(column.name)}?: never`
  )
  const relationships = catalog.foreignKeys
    .filter((fk) => fk.schema === schema && fk.relation === relation.name)
    .sort((a, b) => byName(a, b))
    .map(
      (fk) => `{
        foreignKeyName: ${JSON.stringify(fk.name)}
        columns: ${JSON.stringify(fk.columns)}
        isOneToOne: ${fk.one_to_one}
        referencedRelation: ${JSON.stringify(fk.referenced_relation)}
        referencedColumns: ${JSON.stringify(fk.referenced_columns)}
      }`
    )
  const parts = [`Row: {\n${row.join("\n")}\n}`]
  if (isTable || relation.insertable) parts.push(`Insert: {\n${insert.join("\n")}\n}`)
  if (isTable || relation.updatable) parts.push(`Update: {\n${update.join("\n")}\n}`)
  parts.push(`Relationships: [${relationships.join(",\n")}]`)

  return `${key(relation.name)}: {\n${parts.join("\n")}\n}`
}

function functionSource(catalog: Catalog, schemas: string[], fn: FunctionRow) {
  const allTypes = fn.all_arg_types ?? fn.in_arg_types ?? []
  const modes = fn.arg_modes ?? allTypes.map(() => "i")
  const names = fn.arg_names ?? []
  const args = allTypes.map((type, index) => ({
    type,
    mode: modes[index] ?? "i",
    name: names[index] ?? "",
  }))
  const inputs = args.filter((arg) => arg.mode === "i" || arg.mode === "b" || arg.mode === "v")
  const outputs = args.filter((arg) => arg.mode === "o" || arg.mode === "b" || arg.mode === "t")
  const firstDefault = inputs.length - fn.defaults
  const argsSource =
    inputs.length === 0
      ? "never"
      : `{\n${inputs
          .map(
            (arg, index) =>
              `${key(arg.name || `arg${index}`)}${index >= firstDefault ? "?" : ""}: ${tsType(catalog, schemas, arg.type)}`
          )
          .join("\n")}\n}`
  let returns: string
  if (outputs.length > 1) {
    returns = `{\n${outputs.map((arg) => `${key(arg.name)}: ${tsType(catalog, schemas, arg.type)}`).join("\n")}\n}`
  } else if (outputs.length === 1) {
    returns = tsType(catalog, schemas, outputs[0]!.type)
  } else {
    returns = tsType(catalog, schemas, fn.return_type)
  }
  if (fn.returns_set) returns = outputs.length > 1 ? `${returns}[]` : `(${returns})[]`

  return `{ Args: ${argsSource}; Returns: ${returns} }`
}

function schemaSource(catalog: Catalog, schemas: string[], schema: string) {
  const relations = catalog.relations.filter((relation) => relation.schema === schema).sort(byName)
  const tables = relations.filter((relation) => ["r", "p", "f"].includes(relation.relkind))
  const views = relations.filter((relation) => ["v", "m"].includes(relation.relkind))
  const functions = new Map<string, string[]>()
  for (const fn of catalog.functions.filter((candidate) => candidate.schema === schema)) {
    functions.set(fn.name, [
      ...(functions.get(fn.name) ?? []),
      functionSource(catalog, schemas, fn),
    ])
  }
  const enums = catalog.enums.filter((candidate) => candidate.schema === schema).sort(byName)
  const composites = [...catalog.types.values()]
    .filter((type) => type.schema === schema && type.typtype === "c" && type.relkind === "c")
    .sort(byName)
  const section = (entries: string[]) =>
    entries.length === 0 ? EMPTY : `{\n${entries.join("\n")}\n}`

  return `${key(schema)}: {
    Tables: ${section(tables.map((table) => tableSource(catalog, schemas, schema, table)))}
    Views: ${section(views.map((view) => tableSource(catalog, schemas, schema, view)))}
    Functions: ${section(
      [...functions.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, overloads]) => `${key(name)}: ${overloads.join(" | ")}`)
    )}
    Enums: ${section(enums.map((e) => `${key(e.name)}: ${(e.labels ?? []).map((label) => JSON.stringify(label)).join(" | ")}`))}
    CompositeTypes: ${section(
      composites.map((type) => {
        const fields = catalog.columns
          .filter((column) => column.schema === schema && column.relation === type.name)
          .sort(byName)
          .map((column) => `${key(column.name)}: ${tsType(catalog, schemas, column.type)} | null`)

        return `${key(type.name)}: {\n${fields.join("\n")}\n}`
      })
    )}
  }`
}

const HELPERS = `
type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never
`

/** The types file for the database db is connected to (already migrated). */
export async function generateDatabaseTypes(
  db: Queryable,
  schemas = exposedSchemas()
): Promise<string> {
  const catalog = await readCatalog(db, schemas)
  const constants = schemas.map((schema) => {
    const enums = catalog.enums.filter((e) => e.schema === schema).sort(byName)

    return `${key(schema)}: { Enums: {${enums.map((e) => `${key(e.name)}: ${JSON.stringify(e.labels ?? [])}`).join(", ")}} }`
  })
  const source = `// Generated by \`npm run db:types\` (scripts/gen-types.ts) from supabase/migrations.
// Do not edit: a test fails when this file differs from a fresh generation.
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  // Lets createClient<Database>() pick PostgREST 12 behaviour without a second type argument.
  __InternalSupabase: {
    PostgrestVersion: "12"
  }
  ${schemas.map((schema) => schemaSource(catalog, schemas, schema)).join("\n")}
}
${HELPERS}
export const Constants = {
  ${constants.join(",\n")}
} as const
`
  const config = (await resolveConfig(TYPES_FILE)) ?? {}

  // The Tailwind plugin has nothing to sort here and needs the app's stylesheet; leave it out.
  return format(source, { ...config, plugins: [], parser: "typescript" })
}

async function main() {
  const db = await openDatabase({ engine: "pglite" })
  try {
    await prepareDatabase(db, {
      migrationsDir: path.join(root, "supabase/migrations"),
      seedFiles: [],
    })
    writeFileSync(TYPES_FILE, await generateDatabaseTypes(db))
    console.log(`wrote ${path.relative(process.cwd(), TYPES_FILE)}`)
  } finally {
    await db.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
