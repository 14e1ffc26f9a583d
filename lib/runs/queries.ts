import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

import { decodeRunCursor, encodeRunCursor } from "./cursor"
import {
  queuedRange,
  RUN_STATUSES,
  WORKFLOW_KINDS,
  type RunFilters,
} from "./filters"
import { holdsLapsedLease } from "./leases"
import { type OutlineMarker } from "./log-outline"

export { RUN_STATUSES, type RunStatus } from "./filters"

/** Rows per page of the run list. */
export const RUN_PAGE_SIZE = 50
/** Lines per request of a run's log: PostgREST's max_rows (supabase/config.toml). */
export const LOG_CHUNK_LINES = 1000
/**
 * Lines the run page reads with its first screen (the log's tail) and rows the server draws
 * of it: a tall log view holds about 35.
 */
export const LOG_TAIL_LINES = 50

const numeric = z.union([z.number(), z.string()]).transform(Number)
const paramsSchema = z.record(z.string(), z.unknown()).catch({})

export const runListItemSchema = z.object({
  id: dbId,
  project_id: dbId,
  project_name: z.string(),
  project_slug: z.string(),
  workflow_id: dbId,
  workflow_name: z.string(),
  workflow_kind: z.enum(WORKFLOW_KINDS).catch("custom"),
  status: z.enum(RUN_STATUSES),
  priority: numeric,
  params: paramsSchema,
  requested_by: dbId.nullable(),
  requested_by_name: z.string().nullable(),
  device_id: dbId.nullable(),
  device_name: z.string().nullable(),
  device_is_mine: z.boolean().nullable(),
  device_last_seen_at: z.string().nullable(),
  device_revoked_at: z.string().nullable(),
  attempts: numeric,
  max_attempts: numeric,
  queued_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  exit_code: numeric.nullable(),
  error: z.string().nullable(),
  rerun_of: dbId.nullable(),
  queue_position: numeric.nullable(),
  workers_online: numeric.nullable(),
  lease_expires_at: z.string().nullable(),
})
export type RunListItem = z.infer<typeof runListItemSchema>

export type RunPage = {
  runs: RunListItem[]
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null
}

type ListArgs = {
  filters: RunFilters
  cursor?: string | null
  limit?: number
}

function listArgs({ filters, cursor, limit = RUN_PAGE_SIZE }: ListArgs) {
  const after = decodeRunCursor(cursor)
  const { queuedFrom, queuedTo } = queuedRange(filters)

  return {
    filter_status: filters.status.length ? filters.status : undefined,
    filter_project: filters.project ?? undefined,
    filter_workflow: filters.workflow ?? undefined,
    filter_kind: filters.kind ?? undefined,
    filter_device: filters.device ?? undefined,
    filter_requested_by: filters.by ?? undefined,
    queued_from: queuedFrom ?? undefined,
    queued_to: queuedTo ?? undefined,
    after_queued_at: after?.at,
    after_id: after?.id,
    // One more than the page, to know whether another page follows.
    max_rows: limit + 1,
  }
}

/**
 * One page of the runs of every project the caller belongs to (RLS decides, through the
 * security-invoker `ops.list_runs`), newest queued first, with each queued run's place in
 * its queue and the workers online for it. Keyset pagination: `cursor` is the previous
 * page's `nextCursor`; one that does not decode starts from the top.
 */
export async function listRuns(
  supabase: Client,
  args: ListArgs
): Promise<RunPage> {
  const limit = args.limit ?? RUN_PAGE_SIZE
  const read = async () => {
    const { data, error } = await supabase
      .schema("ops")
      .rpc("list_runs", listArgs(args))
    if (error) throw new Error(`listRuns: ${error.code} ${error.message}`)

    return data
  }
  // Expired leases are settled only when a listed run's lease is past (a live worker renews
  // its lease long before), so a list read is one round trip; then the page is read again,
  // so it never shows a run held by a worker that is gone.
  let rows = z.array(runListItemSchema).parse(await read())
  if (holdsLapsedLease(rows) && (await reapExpiredRuns(supabase)) > 0)
    rows = z.array(runListItemSchema).parse(await read())
  const runs = rows.slice(0, limit)
  const last = runs.at(-1)

  return {
    runs,
    nextCursor:
      rows.length > limit && last
        ? encodeRunCursor({ at: last.queued_at, id: last.id })
        : null,
  }
}

/**
 * Settles the expired leases of the runs the caller may read (`ops.reap_expired_runs`), or of
 * one of them: back to the queue while attempts remain, failed after the last, exactly as a
 * worker's claim would. Called by the runs pages' reads that find a lease past and after
 * device heartbeats, so a run whose worker died does not show "running" while no other
 * worker claims. Returns how many runs changed.
 */
export async function reapExpiredRuns(
  supabase: Client,
  { runId }: { runId?: string } = {}
): Promise<number> {
  const { data, error } = await supabase
    .schema("ops")
    .rpc("reap_expired_runs", runId ? { p_run_id: runId } : {})
  if (error) throw new Error(`reapExpiredRuns: ${error.code} ${error.message}`)

  return data
}

/** Whether the caller can see any run at all: the empty state's claim needs it. */
export async function hasAnyRun(supabase: Client): Promise<boolean> {
  const { data, error } = await supabase
    .schema("ops")
    .from("runs")
    .select("id")
    .limit(1)
  if (error) throw new Error(`hasAnyRun: ${error.code} ${error.message}`)

  return data.length > 0
}

export const runDetailSchema = runListItemSchema.extend({
  claimed_at: z.string().nullable(),
  canceled_by: dbId.nullable(),
  result: z.unknown().nullable(),
})
export type RunDetail = z.infer<typeof runDetailSchema>

/**
 * One run with what its page's header shows, or null when it does not exist or the caller
 * may not see it (the same answer, so a run's existence does not leak).
 */
export async function getRun(
  supabase: Client,
  { runId }: { runId: string }
): Promise<RunDetail | null> {
  // ops.get_run returns the list's row shape through the list's helpers, so both pages say
  // the same thing about the queue and the device.
  const read = async () => {
    const { data, error } = await supabase
      .schema("ops")
      .rpc("get_run", { p_run_id: runId })
    if (error) throw new Error(`getRun: ${error.code} ${error.message}`)

    return data
  }
  // As the list does: the reaper only for a lease that is past, then the run read again.
  let rows = z.array(runDetailSchema).parse(await read())
  if (
    holdsLapsedLease(rows) &&
    (await reapExpiredRuns(supabase, { runId })) > 0
  )
    rows = z.array(runDetailSchema).parse(await read())

  return rows[0] ?? null
}

export const logLineSchema = z.object({
  line_no: numeric,
  attempt: numeric,
  stream: z.enum(["stdout", "stderr", "system"]),
  line: z.string(),
  logged_at: z.string(),
})
export type LogLine = z.infer<typeof logLineSchema>

/**
 * The "log.appended" broadcast on "run:<id>": one per appended batch, its lines, or null when
 * the batch was too large to carry (then only its range).
 */
export const logBatchSchema = z.object({
  first_line_no: numeric,
  last_line_no: numeric,
  lines: z.array(logLineSchema).nullable(),
})

/** Lines `from`…`to` (inclusive) of a run's log, in order: one index range scan. */
export async function listRunLogRange(
  supabase: Client,
  { runId, from, to }: { runId: string; from: number; to: number }
): Promise<LogLine[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("run_logs")
    .select("line_no, attempt, stream, line, logged_at")
    .eq("run_id", runId)
    .gte("line_no", from)
    .lte("line_no", to)
    .order("line_no")
    .limit(Math.min(LOG_CHUNK_LINES, to - from + 1))
  if (error) throw new Error(`listRunLogRange: ${error.code} ${error.message}`)

  return z.array(logLineSchema).parse(data)
}

/**
 * The last `count` lines of a run's log, in order: one backward index range scan, needing no
 * outline first, so the run page reads it beside everything else.
 */
export async function listRunLogTail(
  supabase: Client,
  { runId, count }: { runId: string; count: number }
): Promise<LogLine[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("run_logs")
    .select("line_no, attempt, stream, line, logged_at")
    .eq("run_id", runId)
    .order("line_no", { ascending: false })
    .limit(Math.min(LOG_CHUNK_LINES, count))
  if (error) throw new Error(`listRunLogTail: ${error.code} ${error.message}`)

  return z.array(logLineSchema).parse(data).reverse()
}

const outlineSchema = z.array(
  z.object({
    line_no: numeric.nullable(),
    attempt: numeric.nullable(),
    kind: z.enum(["group", "endgroup", "attempt", "last"]),
    name: z.string().nullable(),
  })
)

/** The log's step groups, attempt starts and last line (`ops.run_log_outline`). */
export async function getRunLogOutline(
  supabase: Client,
  { runId }: { runId: string }
): Promise<OutlineMarker[]> {
  const { data, error } = await supabase
    .schema("ops")
    .rpc("run_log_outline", { p_run_id: runId })
  if (error) throw new Error(`getRunLogOutline: ${error.code} ${error.message}`)

  return outlineSchema.parse(data)
}

export type LogSearchResult = { lines: number[]; total: number }

/** Lines of the log containing the query (`ops.search_run_log`), at most `limit` of them. */
export async function searchRunLog(
  supabase: Client,
  {
    runId,
    query,
    limit = 1000,
  }: { runId: string; query: string; limit?: number }
): Promise<LogSearchResult> {
  const { data, error } = await supabase.schema("ops").rpc("search_run_log", {
    p_run_id: runId,
    p_query: query,
    p_limit: limit,
  })
  if (error) throw new Error(`searchRunLog: ${error.code} ${error.message}`)
  const rows = z
    .array(z.object({ line_no: numeric, total: numeric }))
    .parse(data)

  return {
    lines: rows.map((row) => row.line_no),
    total: rows[0]?.total ?? 0,
  }
}

export const runEventSchema = z.object({
  id: numeric,
  kind: z.string(),
  message: z.string(),
  data: z.unknown(),
  device_id: dbId.nullable(),
  actor_user_id: dbId.nullable(),
  created_at: z.string(),
  actor: z.object({ display_name: z.string() }).nullable().catch(null),
})
export type RunEvent = z.infer<typeof runEventSchema>

/** A run's events, oldest first: transitions with their actor and device, and step results. */
export async function listRunEvents(
  supabase: Client,
  { runId }: { runId: string }
): Promise<RunEvent[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("run_events")
    .select("id, kind, message, data, device_id, actor_user_id, created_at")
    .eq("run_id", runId)
    .order("id")
    .limit(1000)
  if (error) throw new Error(`listRunEvents: ${error.code} ${error.message}`)

  return z
    .array(runEventSchema)
    .parse(data.map((event) => ({ ...event, actor: null })))
}

export const runArtifactSchema = z.object({
  id: dbId,
  key: z.string(),
  size_bytes: numeric,
  sha256: z.string(),
  content_type: z.string(),
  storage_path: z.string().nullable(),
  expires_at: z.string().nullable(),
  created_at: z.string(),
})
export type RunArtifact = z.infer<typeof runArtifactSchema>

/** A run's artifacts, by key. */
export async function listRunArtifacts(
  supabase: Client,
  { runId }: { runId: string }
): Promise<RunArtifact[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("run_artifacts")
    .select(
      "id, key, size_bytes, sha256, content_type, storage_path, expires_at, created_at"
    )
    .eq("run_id", runId)
    .order("key")
    .limit(500)
  if (error) throw new Error(`listRunArtifacts: ${error.code} ${error.message}`)

  return z.array(runArtifactSchema).parse(data)
}

export type RunPageData = {
  run: RunDetail
  outline: OutlineMarker[]
  tail: LogLine[]
  events: RunEvent[]
  artifacts: RunArtifact[]
}

/**
 * A run's first screen in one round trip (`ops.run_page`): the header, the log's outline and
 * its last `tailLines` lines, the events and the artifacts, each as its own read returns it,
 * after settling the run's lease if it ran out. Null when the run does not exist or the
 * caller may not see it (RLS decides, as for every read of the run).
 */
export async function getRunPage(
  supabase: Client,
  { runId, tailLines = LOG_TAIL_LINES }: { runId: string; tailLines?: number }
): Promise<RunPageData | null> {
  const { data, error } = await supabase
    .schema("ops")
    .rpc("run_page", { p_run_id: runId, p_tail_lines: tailLines })
  if (error) throw new Error(`getRunPage: ${error.code} ${error.message}`)
  if (data === null) return null
  const page = z
    .object({
      run: runDetailSchema,
      outline: outlineSchema,
      tail: z.array(logLineSchema),
      events: z.array(runEventSchema.omit({ actor: true })),
      artifacts: z.array(runArtifactSchema),
    })
    .parse(data)

  return {
    ...page,
    events: page.events.map((event) => ({ ...event, actor: null })),
  }
}

export const startableWorkflowSchema = z.object({
  id: dbId,
  name: z.string(),
  kind: z.enum(WORKFLOW_KINDS).catch("custom"),
  description: z.string(),
  definition: z.unknown(),
  project_id: dbId,
  project: z.object({ name: z.string(), slug: z.string() }),
})
export type StartableWorkflow = z.infer<typeof startableWorkflowSchema>

export type RunFilterOptions = {
  projects: { id: string; name: string; slug: string; role: string }[]
  workflows: { id: string; name: string; project_id: string }[]
  people: { id: string; name: string }[]
}

/**
 * What the filters offer and what the start dialog needs: the caller's projects with their
 * role (the buttons mirror it; the RPCs decide), their workflows, and their co-members.
 */
export async function listRunFilterOptions(
  supabase: Client,
  { userId }: { userId: string }
): Promise<RunFilterOptions & { startable: StartableWorkflow[] }> {
  const [memberships, workflows, people] = await Promise.all([
    supabase
      .schema("ops")
      .from("project_memberships")
      .select("role, project:projects(id, name, slug)")
      .eq("user_id", userId)
      .limit(500),
    supabase
      .schema("ops")
      .from("workflows")
      .select(
        "id, name, kind, description, definition, project_id, archived_at, project:projects(name, slug)"
      )
      .order("name")
      .limit(1000),
    supabase.from("profiles").select("id, display_name").limit(1000),
  ])
  for (const result of [memberships, workflows, people])
    if (result.error)
      throw new Error(
        `listRunFilterOptions: ${result.error.code} ${result.error.message}`
      )

  const projects = z
    .array(
      z.object({
        role: z.string(),
        project: z.object({ id: dbId, name: z.string(), slug: z.string() }),
      })
    )
    .parse(memberships.data)
    .map((row) => ({ ...row.project, role: row.role }))
    .sort((a, b) => a.name.localeCompare(b.name))
  const allWorkflows = z
    .array(
      startableWorkflowSchema.extend({ archived_at: z.string().nullable() })
    )
    .parse(workflows.data)

  return {
    projects,
    workflows: allWorkflows.map(({ id, name, project_id }) => ({
      id,
      name,
      project_id,
    })),
    people: z
      .array(z.object({ id: dbId, display_name: z.string() }))
      .parse(people.data)
      .map((person) => ({
        id: person.id,
        name: person.display_name || "Unnamed member",
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    startable: allWorkflows
      .filter((workflow) => workflow.archived_at === null)
      .map((workflow) => ({
        id: workflow.id,
        name: workflow.name,
        kind: workflow.kind,
        description: workflow.description,
        definition: workflow.definition,
        project_id: workflow.project_id,
        project: workflow.project,
      })),
  }
}
