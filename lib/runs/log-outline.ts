// The shape of a run's log for the viewer: step groups (from the worker's
// `::group::<name>` / `::endgroup::` system lines, nested as written), where each attempt
// starts, and the rows to draw when some groups are collapsed. Pure, so 100,000 lines are laid
// out from the outline alone (ops.run_log_outline) without reading them (docs/runs.md).

export type OutlineMarker = {
  line_no: number | null
  attempt: number | null
  kind: "group" | "endgroup" | "attempt" | "last"
  name: string | null
}

/** A step's result as the worker reported it in its `step.finished` event. */
export type StepResult = {
  /** The step's place in the workflow's definition, from 0. */
  index: number | null
  name: string
  exitCode: number | null
  durationMs: number | null
  timedOut: boolean
  canceled: boolean
}

export type LogGroup = {
  /** The `::group::` line: the group's header row and its id. */
  start: number
  /** The `::endgroup::` line; null while the group is still being written (or never closed). */
  end: number | null
  name: string
  depth: number
  attempt: number
  parent: number | null
  /** Set on top-level groups that match a reported step. */
  step: StepResult | null
  failed: boolean
}

export type LogLayout = {
  /** The last line number (lines are numbered 1…lastLine without gaps). */
  lastLine: number
  groups: Map<number, LogGroup>
  /** Lines that close a group: never drawn. */
  endLines: Set<number>
  /** The first line of each attempt after the first. */
  attemptStarts: Map<number, number>
  /** How many attempts the log holds. */
  attempts: number
}

export type RunEventLike = {
  kind: string
  data: unknown
}

function stepOf(data: unknown): StepResult | null {
  if (!data || typeof data !== "object") return null
  const record = data as Record<string, unknown>
  const number = (value: unknown) =>
    typeof value === "number" && Number.isFinite(value) ? value : null

  return {
    index: number(record.index),
    name: typeof record.name === "string" ? record.name : "",
    exitCode: number(record.exit_code),
    durationMs: number(record.duration_ms),
    timedOut: record.timed_out === true,
    canceled: record.canceled === true,
  }
}

/**
 * The `step.finished` results per attempt, in order: the queue's `started` event opens each
 * attempt (start_workflow_run writes one per claim that starts).
 */
export function stepResultsByAttempt(
  events: readonly RunEventLike[]
): Map<number, StepResult[]> {
  const results = new Map<number, StepResult[]>()
  let attempt = 0
  for (const event of events) {
    if (event.kind === "started") attempt += 1
    if (event.kind !== "step.finished") continue
    const step = stepOf(event.data)
    if (!step) continue
    const key = Math.max(attempt, 1)
    const list = results.get(key) ?? []
    list.push(step)
    results.set(key, list)
  }

  return results
}

/** Whether a step's result is a failure the reader should see first. */
export function isFailedStep(step: StepResult | null): boolean {
  if (!step) return false

  return step.timedOut || (step.exitCode !== null && step.exitCode !== 0)
}

/**
 * Pairs group markers into nested groups. An attempt boundary closes whatever the previous
 * attempt left open (its worker stopped mid-step). The k-th top-level group of an attempt
 * takes the attempt's `step.finished` result with index k (by name when it has no index).
 */
export function buildLogLayout(
  markers: readonly OutlineMarker[],
  events: readonly RunEventLike[] = []
): LogLayout {
  const groups = new Map<number, LogGroup>()
  const endLines = new Set<number>()
  const attemptStarts = new Map<number, number>()
  const steps = stepResultsByAttempt(events)
  const stepIndex = new Map<number, number>()
  let lastLine = 0
  let attempt = 1
  let stack: LogGroup[] = []

  const sorted = [...markers]
    .filter((marker) => marker.line_no !== null)
    .sort(
      (a, b) =>
        a.line_no! - b.line_no! ||
        // An attempt begins before a group opening on its first line.
        (a.kind === "attempt" ? -1 : b.kind === "attempt" ? 1 : 0)
    )
  for (const marker of sorted) {
    const line = marker.line_no!
    if (marker.kind === "last") {
      lastLine = Math.max(lastLine, line)
      continue
    }
    if (marker.kind === "attempt") {
      attempt = marker.attempt ?? attempt + 1
      attemptStarts.set(attempt, line)
      stack = []
      continue
    }
    if (marker.attempt && marker.attempt > attempt) attempt = marker.attempt
    if (marker.kind === "endgroup") {
      const open = stack.pop()
      if (open) {
        open.end = line
        endLines.add(line)
      }
      continue
    }
    const parent = stack.at(-1) ?? null
    let step: StepResult | null = null
    if (!parent) {
      const list = steps.get(attempt) ?? []
      const index = stepIndex.get(attempt) ?? 0
      step =
        list.find((candidate) => candidate.index === index) ??
        list.find(
          (candidate) =>
            candidate.index === null && candidate.name === marker.name
        ) ??
        null
      stepIndex.set(attempt, index + 1)
    }
    const group: LogGroup = {
      start: line,
      end: null,
      name: marker.name ?? "",
      depth: stack.length,
      attempt,
      parent: parent?.start ?? null,
      step,
      failed: isFailedStep(step),
    }
    groups.set(line, group)
    stack.push(group)
    lastLine = Math.max(lastLine, line)
  }

  return {
    lastLine,
    groups,
    endLines,
    attemptStarts,
    attempts: Math.max(1, ...attemptStarts.keys()),
  }
}

/**
 * Groups open at first sight: a failed step, and a group still being written (the step that
 * is running now). Everything else starts folded, as a CI log reads best.
 */
export function initiallyExpanded(layout: LogLayout): Set<number> {
  const open = new Set<number>()
  for (const group of layout.groups.values()) {
    if (group.failed || group.end === null) {
      for (
        let current: LogGroup | undefined = group;
        current;
        current =
          current.parent !== null
            ? layout.groups.get(current.parent)
            : undefined
      )
        open.add(current.start)
    }
  }

  return open
}

/** The groups a line sits in, outermost first (to unfold them for a search hit or a link). */
export function groupsAround(layout: LogLayout, line: number): number[] {
  let best: LogGroup | null = null
  for (const group of layout.groups.values()) {
    const end = group.end ?? Infinity
    if (group.start < line && line < end && (!best || group.depth > best.depth))
      best = group
  }
  const chain: number[] = []
  for (
    let current: LogGroup | null | undefined = best;
    current;
    current = current.parent !== null ? layout.groups.get(current.parent) : null
  )
    chain.unshift(current.start)

  return chain
}

/**
 * The rows to draw, top to bottom: a positive number is a line (a group's header when the
 * line opens a group), a negative one the separator before attempt -n. Lines inside a folded
 * group are left out, and so are the lines that close groups.
 */
export function visibleRows(
  layout: LogLayout,
  expanded: ReadonlySet<number>
): number[] {
  const rows: number[] = []
  const last = layout.lastLine
  const separators = new Map<number, number>()
  for (const [attempt, line] of layout.attemptStarts)
    separators.set(line, attempt)
  if (layout.attempts > 1 && !separators.has(1)) separators.set(1, 1)

  for (let line = 1; line <= last; line++) {
    const attempt = separators.get(line)
    if (attempt !== undefined) rows.push(-attempt)
    if (layout.endLines.has(line)) continue
    rows.push(line)
    const group = layout.groups.get(line)
    if (group && !expanded.has(line)) {
      // Skip to the group's end; an unclosed group runs to its attempt's end.
      let stop = group.end ?? last
      if (group.end === null) {
        for (const start of layout.attemptStarts.values())
          if (start > line && start - 1 < stop) stop = start - 1
      }
      // Groups never span attempts (an attempt closes what the last one left open).
      line = stop
    }
  }

  return rows
}
