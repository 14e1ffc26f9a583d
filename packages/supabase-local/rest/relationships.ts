import { ApiError } from "./errors"
import {
  qualified,
  type ForeignKey,
  type Routine,
  type SchemaCache,
  type Table,
} from "./schema-cache"
import { closest } from "./similar"

export type Relationship = {
  kind: "many-to-one" | "one-to-many" | "one-to-one" | "many-to-many"
  target: Table
  /** For m2o/o2o from the source side: fk on source; for o2m: fk on target. */
  fk: ForeignKey
  /** The fk lives on the source table (m2o, or o2o from the referencing side). */
  fkOnSource: boolean
  junction?: { table: Table; source: ForeignKey; target: ForeignKey }
  /** A computed relationship: a function taking the source's row and returning target rows. */
  computed?: Routine
  toOne: boolean
}

const sameColumns = (a: string[], b: string[]) =>
  a.length === b.length && a.every((column) => b.includes(column))

function describe(source: Table, rel: Relationship) {
  const cols = (list: string[]) => `(${list.join(", ")})`
  if (rel.junction) {
    return {
      cardinality: "many-to-many",
      embedding: `${source.name} with ${rel.target.name}`,
      relationship: `${rel.junction.table.name} using ${rel.junction.source.name}${cols(rel.junction.source.columns)} and ${rel.junction.target.name}${cols(rel.junction.target.columns)}`,
    }
  }
  const [from, to] = rel.fkOnSource
    ? [rel.fk.columns, rel.fk.foreignColumns]
    : [rel.fk.foreignColumns, rel.fk.columns]

  return {
    cardinality: rel.kind,
    embedding: `${source.name} with ${rel.target.name}`,
    relationship: `${rel.fk.name} using ${source.name}${cols(from)} and ${rel.target.name}${cols(to)}`,
  }
}

function hintName(rel: Relationship) {
  return rel.junction ? rel.junction.table.name : rel.fk.name
}

/** Every relationship from `source`: m2o/o2o, o2m/o2o and m2m through a junction. */
function relationshipsOf(cache: SchemaCache, source: Table): Relationship[] {
  const found: Relationship[] = []
  const isUnique = (table: Table, columns: string[]) =>
    table.uniques.some((unique) => sameColumns(unique, columns))
  for (const fk of cache.foreignKeys) {
    const fkTable = cache.tables.get(qualified(fk.schema, fk.table))
    const refTable = cache.tables.get(qualified(fk.foreignSchema, fk.foreignTable))
    if (!fkTable || !refTable) continue
    const oneToOne = isUnique(fkTable, fk.columns)
    // many-to-one (or one-to-one) from the referencing side
    if (fk.schema === source.schema && fk.table === source.name) {
      if (fk.foreignSchema === source.schema) {
        found.push({
          kind: oneToOne ? "one-to-one" : "many-to-one",
          target: refTable,
          fk,
          fkOnSource: true,
          toOne: true,
        })
      }
    }
    // one-to-many (or one-to-one) from the referenced side
    if (fk.foreignSchema === source.schema && fk.foreignTable === source.name) {
      if (fk.schema === source.schema) {
        found.push({
          kind: oneToOne ? "one-to-one" : "one-to-many",
          target: fkTable,
          fk,
          fkOnSource: false,
          toOne: oneToOne,
        })
      }
    }
  }
  // many-to-many through a junction whose two foreign keys are part of its primary key
  for (const toSource of cache.foreignKeys) {
    if (toSource.foreignSchema !== source.schema || toSource.foreignTable !== source.name) continue
    const junction = cache.tables.get(qualified(toSource.schema, toSource.table))
    if (!junction || junction.schema !== source.schema) continue
    for (const toTarget of cache.foreignKeys) {
      if (toTarget === toSource || toTarget.schema !== junction.schema) continue
      if (toTarget.table !== junction.name || toTarget.foreignSchema !== source.schema) continue
      const pk = junction.primaryKey
      const covered = [...toSource.columns, ...toTarget.columns].every((c) => pk.includes(c))
      const target = cache.tables.get(qualified(toTarget.foreignSchema, toTarget.foreignTable))
      if (!covered || !target) continue
      found.push({
        kind: "many-to-many",
        target,
        fk: toTarget,
        fkOnSource: false,
        junction: { table: junction, source: toSource, target: toTarget },
        toOne: false,
      })
    }
  }

  return found
}

/** The relationship's columns seen from its origin: the origin's and the target's. */
function originColumns(rel: Relationship): { origin: string[]; target: string[] } {
  return rel.fkOnSource
    ? { origin: rel.fk.columns, target: rel.fk.foreignColumns }
    : { origin: rel.fk.foreignColumns, target: rel.fk.columns }
}

/**
 * Whether an embed `name!hint` refers to `rel`, by PostgREST's findRel (Plan.hs):
 * - a self-reference has one foreign key and two relationships: the table's name embeds the
 *   one-to-many side (a hint then names the referencing column), the referencing column's
 *   name embeds the many-to-one side;
 * - otherwise the name is the target table, or (for tables, not views) the constraint or the
 *   origin's single referencing column; a hint names the constraint, a single column of
 *   either side, or the junction table of a many-to-many.
 */
function refersTo(source: Table, rel: Relationship, name: string, hint: string | undefined) {
  const { origin, target } = originColumns(rel)
  const single = origin.length === 1
  const isSelf =
    !rel.junction && rel.target.schema === source.schema && rel.target.name === source.name
  if (isSelf) {
    if (hint === undefined) {
      return (
        (name === rel.target.name && !rel.fkOnSource) ||
        (single && origin[0] === name && rel.fkOnSource)
      )
    }
    return name === rel.target.name && !rel.fkOnSource && single && target[0] === hint
  }
  if (hint === undefined) {
    if (name === rel.target.name) return true
    if (rel.target.isView || rel.junction) return false
    return rel.fk.name === name || (single && origin[0] === name)
  }
  if (name !== rel.target.name) return false
  if (rel.junction) return rel.junction.table.name === hint
  return rel.fk.name === hint || (single && (origin[0] === hint || target[0] === hint))
}

function candidates(
  cache: SchemaCache,
  source: Table,
  name: string,
  hint: string | undefined
): Relationship[] {
  return relationshipsOf(cache, source).filter((rel) => refersTo(source, rel, name, hint))
}

/** Picks the one relationship an embed refers to, or answers PGRST200/PGRST201 as PostgREST does. */
export function resolveRelationship(
  cache: SchemaCache,
  source: Table,
  name: string,
  hint: string | undefined
): Relationship {
  const computed = hint === undefined ? computedRelationship(cache, source, name) : undefined
  if (computed) return computed
  let found = candidates(cache, source, name, hint)
  // An embed by table name prefers direct relationships over junctions, as PostgREST does.
  if (found.length > 1 && !hint) {
    const direct = found.filter((rel) => !rel.junction)
    if (direct.length === 1) found = direct
  }
  if (found.length === 1) return found[0]!
  if (found.length === 0) {
    const related = new Set<string>()
    for (const fk of cache.foreignKeys) {
      if (fk.schema === source.schema && fk.table === source.name) related.add(fk.foreignTable)
      if (fk.foreignSchema === source.schema && fk.foreignTable === source.name) {
        related.add(fk.table)
        for (const other of cache.foreignKeys) {
          if (other !== fk && other.schema === fk.schema && other.table === fk.table)
            related.add(other.foreignTable)
        }
      }
    }
    const suggestion = related.has(name) ? undefined : closest(name, related, 0.5)
    throw new ApiError(
      400,
      "PGRST200",
      `Could not find a relationship between '${source.name}' and '${name}' in the schema cache`,
      `Searched for a foreign key relationship between '${source.name}' and '${name}'${hint ? ` using the hint '${hint}'` : ""} in the schema '${source.schema}', but no matches were found.`,
      suggestion ? `Perhaps you meant '${suggestion}' instead of '${name}'.` : null
    )
  }
  throw new ApiError(
    300,
    "PGRST201",
    `Could not embed because more than one relationship was found for '${source.name}' and '${name}'`,
    found.map((rel) => describe(source, rel)),
    `Try changing '${name}' to one of the following: ${found.map((rel) => `'${name}!${hintName(rel)}'`).join(", ")}. Find the desired relationship in the 'details' key.`
  )
}

/**
 * A computed relationship, as PostgREST's schema cache finds them: a function in the source's
 * schema, named as embedded, whose one parameter is the source's row type and which returns a
 * table's or view's rows. It is to-one unless it returns a set estimated above one row.
 */
function computedRelationship(
  cache: SchemaCache,
  source: Table,
  name: string
): Relationship | undefined {
  const routine = cache.routines
    .get(qualified(source.schema, name))
    ?.find(
      (r) =>
        r.rowArgTable === qualified(source.schema, source.name) &&
        r.returnKind === "composite" &&
        r.returnTable !== null
    )
  const target = routine?.returnTable ? cache.tables.get(routine.returnTable) : undefined
  if (!routine || !target) return undefined
  const toOne = !routine.returnsSet || routine.rows === 1
  return {
    kind: toOne ? "many-to-one" : "one-to-many",
    target,
    // No foreign key joins a computed relationship; the function call does.
    fk: {
      name: routine.name,
      schema: source.schema,
      table: source.name,
      columns: [],
      foreignSchema: target.schema,
      foreignTable: target.name,
      foreignColumns: [],
    },
    fkOnSource: toOne,
    computed: routine,
    toOne,
  }
}

/** A computed field: a function in the table's schema taking its row and returning a scalar. */
export function computedField(cache: SchemaCache, table: Table, name: string): Routine | undefined {
  return cache.routines
    .get(qualified(table.schema, name))
    ?.find(
      (r) =>
        r.rowArgTable === qualified(table.schema, table.name) &&
        r.returnKind === "scalar" &&
        !r.returnsSet
    )
}
