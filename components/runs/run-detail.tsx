"use client"

import * as React from "react"
import Link from "next/link"
import { useRouter } from "next/navigation"
import {
  useQuery,
  useQueryClient,
  type UseQueryResult,
} from "@tanstack/react-query"
import { Ban, Download, FileArchive, RotateCcw } from "lucide-react"
import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import { deriveOnlineState } from "@/lib/devices/online"
import { formatCount } from "@/lib/format"
import { can, PERMISSIONS, type ProjectRole } from "@/lib/projects/permissions"
import { cancelRun, rerunRun } from "@/lib/runs/actions"
import {
  formatDuration,
  isCancelable,
  isFinished,
  runDurationMs,
} from "@/lib/runs/format"
import { type RunDetail as Run, type RunEvent } from "@/lib/runs/queries"
import {
  runArtifactsQueryOptions,
  runEventsQueryOptions,
  runFilterOptionsQueryOptions,
  runKeys,
  runQueryOptions,
} from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/client"
import { useAction } from "@/lib/use-action"
import { cn } from "@/lib/utils"
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"
import { Skeleton } from "@/components/ui/skeleton"
import { LiveIndicator } from "@/components/devices/live-indicator"
import { RelativeTime } from "@/components/shared/relative-time"
import { useServerNow } from "@/components/shared/use-server-now"

import { QueueText } from "./queue-text"
import { RunLog } from "./run-log"
import { RunStatusBadge } from "./run-status-badge"
import { StartRunDialog } from "./start-run-dialog"
import { useRunRealtime } from "./use-run-realtime"

const CLOCK_TICK_MS = 1_000
/** Another member's device is not on Realtime for this user: its heartbeat is re-read. */
const DEVICE_REFRESH_MS = 30_000

export function RunDetail({
  userId,
  runId,
  serverNow,
}: {
  userId: string
  runId: string
  serverNow: string
}) {
  const supabase = createClient()
  const live = useRunRealtime(userId, runId)
  const now = useServerNow(serverNow, CLOCK_TICK_MS)
  const detail = useQuery({
    ...runQueryOptions(supabase, userId, runId),
    refetchInterval: DEVICE_REFRESH_MS,
  })
  const events = useQuery(runEventsQueryOptions(supabase, userId, runId))
  const options = useQuery(runFilterOptionsQueryOptions(supabase, userId))
  const people = React.useMemo(
    () =>
      new Map(
        (options.data?.people ?? []).map((person) => [person.id, person.name])
      ),
    [options.data]
  )
  const run = detail.data

  if (!run) {
    return detail.isError ? (
      <p role="alert" className="text-sm text-destructive">
        Could not load this run. Reload the page to try again.
      </p>
    ) : (
      <Skeleton className="h-40 w-full" />
    )
  }

  return (
    <div className="min-w-0 space-y-6">
      <RunHeader userId={userId} run={run} now={now} live={live} />
      <RunLog
        userId={userId}
        runId={runId}
        startedAt={run.started_at}
        events={events.data ?? EMPTY}
        live={!isFinished(run.status)}
      />
      <div className="grid min-w-0 gap-6 lg:grid-cols-2">
        <RunEvents
          events={events}
          now={now}
          people={people}
          devices={
            new Map(
              run.device_id && run.device_name
                ? [[run.device_id, run.device_name]]
                : []
            )
          }
        />
        <RunArtifacts userId={userId} runId={runId} now={now} />
      </div>
    </div>
  )
}

const EMPTY: never[] = []

function Fact({
  label,
  children,
}: {
  label: string
  children: React.ReactNode
}) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="min-w-0 truncate text-sm">{children}</dd>
    </div>
  )
}

function RunHeader({
  userId,
  run,
  now,
  live,
}: {
  userId: string
  run: Run
  now: number
  live: React.ComponentProps<typeof LiveIndicator>["state"]
}) {
  const duration = runDurationMs(run, now)
  const device = run.device_id
    ? deriveOnlineState(
        {
          last_seen_at: run.device_last_seen_at,
          revoked_at: run.device_revoked_at,
        },
        now
      )
    : null
  const params = Object.entries(run.params)

  return (
    <section aria-label="Run" className="min-w-0 space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <div className="flex min-w-0 flex-wrap items-center gap-2">
            <RunStatusBadge status={run.status} />
            <h1
              className="min-w-0 truncate text-xl font-semibold"
              title={run.workflow_name}
            >
              {run.workflow_name}
            </h1>
          </div>
          <p
            className="truncate text-sm text-muted-foreground"
            title={run.project_name}
          >
            <Link
              href={`/runs?project=${encodeURIComponent(run.project_slug)}`}
              className="underline-offset-4 hover:underline"
            >
              {run.project_name}
            </Link>{" "}
            · {run.workflow_kind}
            {run.priority !== 0 ? ` · priority ${run.priority}` : ""}
            {run.rerun_of ? (
              <>
                {" · "}
                <Link
                  href={`/runs/${run.rerun_of}`}
                  className="underline-offset-4 hover:underline"
                >
                  re-run of an earlier run
                </Link>
              </>
            ) : null}
          </p>
          <QueueText run={run} now={now} className="text-sm" />
          {run.error ? (
            <p
              className={cn(
                "text-sm break-words",
                run.status === "failed"
                  ? "text-red-700 dark:text-red-400"
                  : "text-muted-foreground"
              )}
            >
              {run.error}
            </p>
          ) : null}
        </div>
        {/* Wrapped under the title on a phone: one row across, Live left and the actions right. */}
        <div className="flex w-full items-center justify-between gap-2 sm:w-auto sm:flex-col sm:items-end">
          <LiveIndicator state={live} />
          <RunActions userId={userId} run={run} />
        </div>
      </div>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3 lg:grid-cols-6">
        <Fact label="Requested by">{run.requested_by_name ?? "—"}</Fact>
        <Fact label="Device">
          {run.device_id ? (
            <span className="flex min-w-0 items-center gap-1.5">
              <span
                aria-hidden="true"
                className={cn(
                  "size-2 shrink-0 rounded-full",
                  device === "online" ? "bg-emerald-500" : "bg-zinc-400"
                )}
              />
              {run.device_is_mine ? (
                <Link
                  href={`/devices/${run.device_id}`}
                  className="min-w-0 truncate underline-offset-4 hover:underline"
                  title={run.device_name ?? undefined}
                >
                  {run.device_name ?? "Your device"}
                </Link>
              ) : (
                <span
                  className="min-w-0 truncate"
                  title={run.device_name ?? undefined}
                >
                  {run.device_name ?? "A member's device"}
                </span>
              )}
              <span className="shrink-0 text-xs text-muted-foreground">
                {device === "online"
                  ? "online"
                  : device === "revoked"
                    ? "revoked"
                    : "offline"}
              </span>
            </span>
          ) : (
            "Not claimed yet"
          )}
        </Fact>
        <Fact label="Queued">
          <RelativeTime date={run.queued_at} now={now} />
        </Fact>
        <Fact label="Started">
          {run.started_at ? (
            <RelativeTime date={run.started_at} now={now} />
          ) : (
            "—"
          )}
        </Fact>
        <Fact label="Duration">
          {duration === null ? (
            "—"
          ) : (
            <span className="tabular-nums">{formatDuration(duration)}</span>
          )}
        </Fact>
        <Fact label="Attempts">
          {run.attempts} of at most {run.max_attempts}
        </Fact>
      </dl>
      {params.length > 0 ? (
        <div className="min-w-0">
          <h2 className="text-xs text-muted-foreground">Inputs</h2>
          <dl className="mt-1 flex min-w-0 flex-wrap gap-2">
            {params.map(([name, value]) => (
              <div
                key={name}
                className="flex max-w-full min-w-0 items-center gap-1 rounded-md border px-2 py-0.5 font-mono text-xs"
              >
                <dt className="shrink-0 text-muted-foreground">{name}</dt>
                <dd className="min-w-0 truncate" title={JSON.stringify(value)}>
                  {typeof value === "string" ? value : JSON.stringify(value)}
                </dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
    </section>
  )
}

/** Cancel, re-run and re-run with changed inputs, mirroring the queue's role rule. */
function RunActions({ userId, run }: { userId: string; run: Run }) {
  const supabase = createClient()
  const router = useRouter()
  const queryClient = useQueryClient()
  const options = useQuery(runFilterOptionsQueryOptions(supabase, userId))
  const role = options.data?.projects.find(
    (project) => project.id === run.project_id
  )?.role as ProjectRole | undefined
  const allowed = can(role, "queueRuns")
  const reasonId = React.useId()
  const refresh = () =>
    void queryClient.invalidateQueries({ queryKey: runKeys.user(userId) })

  const cancel = useAction(cancelRun, {
    onSuccess: () => {
      toast.success("Run canceled")
      refresh()
    },
  })
  const rerun = useAction(rerunRun, {
    onSuccess: (data) => {
      toast.success("Queued again")
      refresh()
      router.push(`/runs/${data.id}`)
    },
  })
  const message = formMessage(cancel.result) ?? formMessage(rerun.result)
  const disabledReason =
    options.data && !allowed ? PERMISSIONS.queueRuns.deniedReason : null

  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex flex-wrap justify-end gap-2">
        {isCancelable(run.status) ? (
          <AlertDialog>
            <AlertDialogTrigger asChild>
              <Button
                variant="outline"
                disabled={!allowed || cancel.isPending}
                aria-describedby={disabledReason ? reasonId : undefined}
              >
                <Ban aria-hidden="true" />
                {cancel.isPending ? "Canceling…" : "Cancel run"}
              </Button>
            </AlertDialogTrigger>
            <AlertDialogContent>
              <AlertDialogHeader>
                <AlertDialogTitle>Cancel this run?</AlertDialogTitle>
                <AlertDialogDescription>
                  {run.status === "queued"
                    ? "It leaves the queue and never runs."
                    : "Its worker stops the current step (SIGTERM, then SIGKILL after 10 s)."}
                </AlertDialogDescription>
              </AlertDialogHeader>
              <AlertDialogFooter>
                <AlertDialogCancel>Keep it</AlertDialogCancel>
                <AlertDialogAction
                  onClick={() => cancel.run({ runId: run.id })}
                >
                  Cancel run
                </AlertDialogAction>
              </AlertDialogFooter>
            </AlertDialogContent>
          </AlertDialog>
        ) : null}
        {isFinished(run.status) ? (
          <>
            <Button
              variant="outline"
              disabled={!allowed || rerun.isPending}
              aria-describedby={disabledReason ? reasonId : undefined}
              onClick={() => rerun.run({ runId: run.id })}
            >
              <RotateCcw aria-hidden="true" />
              {rerun.isPending ? "Queuing…" : "Re-run"}
            </Button>
            {options.data && allowed ? (
              <StartRunDialog
                userId={userId}
                workflows={options.data.startable}
                projects={options.data.projects}
                initial={{
                  workflowId: run.workflow_id,
                  params: run.params,
                  priority: run.priority,
                }}
                label="Re-run with changes"
                variant="outline"
              />
            ) : null}
          </>
        ) : null}
      </div>
      {disabledReason &&
      (isCancelable(run.status) || isFinished(run.status)) ? (
        <p
          id={reasonId}
          className="max-w-xs text-right text-xs text-muted-foreground"
        >
          {disabledReason}
        </p>
      ) : null}
      <FormMessage tone="error">{message}</FormMessage>
    </div>
  )
}

function RunEvents({
  events,
  now,
  people,
  devices,
}: {
  events: UseQueryResult<RunEvent[]>
  now: number
  people: ReadonlyMap<string, string>
  devices: ReadonlyMap<string, string>
}) {
  return (
    <section aria-labelledby="run-events-title" className="min-w-0 space-y-2">
      <h2 id="run-events-title" className="text-base font-semibold">
        Events
      </h2>
      {events.isPending ? (
        <Skeleton className="h-32 w-full" />
      ) : events.isError ? (
        <p role="alert" className="text-sm text-destructive">
          Could not load the events.
        </p>
      ) : events.data.length === 0 ? (
        <p className="text-sm text-muted-foreground">No events yet.</p>
      ) : (
        <ol className="space-y-2 border-l pl-4">
          {events.data.map((event) => (
            <li key={event.id} className="min-w-0 text-sm">
              <p className="flex min-w-0 flex-wrap items-baseline gap-x-2">
                <span className="font-mono text-xs text-muted-foreground">
                  {event.kind}
                </span>
                <span className="min-w-0 break-words">
                  {event.message || eventSummary(event.data)}
                </span>
              </p>
              <p className="text-xs text-muted-foreground">
                <RelativeTime date={event.created_at} now={now} />
                {event.actor_user_id
                  ? ` · by ${people.get(event.actor_user_id) ?? "a member"}`
                  : ""}
                {event.device_id
                  ? ` · on ${devices.get(event.device_id) ?? "a member's device"}`
                  : ""}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

function eventSummary(data: unknown): string {
  if (!data || typeof data !== "object") return ""
  const record = data as Record<string, unknown>
  const parts: string[] = []
  if (typeof record.name === "string") parts.push(record.name)
  if (typeof record.exit_code === "number")
    parts.push(`exit ${record.exit_code}`)
  if (typeof record.duration_ms === "number")
    parts.push(formatDuration(record.duration_ms))

  return parts.join(" · ")
}

function RunArtifacts({
  userId,
  runId,
  now,
}: {
  userId: string
  runId: string
  now: number
}) {
  const artifacts = useQuery(
    runArtifactsQueryOptions(createClient(), userId, runId)
  )

  return (
    <section
      aria-labelledby="run-artifacts-title"
      className="min-w-0 space-y-2"
    >
      <h2 id="run-artifacts-title" className="text-base font-semibold">
        Artifacts
      </h2>
      {artifacts.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : artifacts.isError ? (
        <p role="alert" className="text-sm text-destructive">
          Could not load the artifacts.
        </p>
      ) : artifacts.data.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          This run kept no artifacts.
        </p>
      ) : (
        <ul className="space-y-2">
          {artifacts.data.map((artifact) => {
            const expired =
              artifact.expires_at !== null &&
              Date.parse(artifact.expires_at) <= now
            // A download is a link to a route that answers with a short-lived signed URL
            // (app/(console)/runs/[id]/artifacts/[artifactId]/route.ts): the bytes come
            // straight from Storage, under its policy.
            const reason = expired
              ? "This artifact has expired."
              : artifact.storage_path === null
                ? "The worker has not uploaded this file."
                : null

            return (
              <li key={artifact.id} className="min-w-0 rounded-lg border p-3">
                <div className="flex min-w-0 items-start justify-between gap-2">
                  <p className="flex min-w-0 items-center gap-2 font-mono text-sm">
                    <FileArchive
                      aria-hidden="true"
                      className="size-4 shrink-0"
                    />
                    <span className="min-w-0 truncate" title={artifact.key}>
                      {artifact.key}
                    </span>
                  </p>
                  {reason === null ? (
                    <Button size="sm" variant="outline" asChild>
                      <a
                        href={`/runs/${runId}/artifacts/${artifact.id}`}
                        download
                      >
                        <Download aria-hidden="true" />
                        Download
                        <span className="sr-only"> {artifact.key}</span>
                      </a>
                    </Button>
                  ) : (
                    <Button size="sm" variant="outline" disabled title={reason}>
                      Download
                      <span className="sr-only"> {artifact.key}</span>
                    </Button>
                  )}
                </div>
                <p className="mt-1 text-xs text-muted-foreground">
                  {formatBytes(artifact.size_bytes)}
                  {artifact.expires_at ? (
                    <>
                      {" · "}
                      {expired ? "expired " : "expires "}
                      <RelativeTime
                        date={artifact.expires_at}
                        now={now}
                        allowFuture
                      />
                    </>
                  ) : null}
                </p>
                <p
                  className="truncate font-mono text-xs text-muted-foreground"
                  title={artifact.sha256}
                >
                  sha256 {artifact.sha256}
                </p>
                {reason === null ? null : (
                  <p className="text-xs text-muted-foreground">{reason}</p>
                )}
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} B`
  const units = ["KB", "MB", "GB", "TB"]
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }

  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
