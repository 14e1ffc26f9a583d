"use client"

import Link from "next/link"
import { useQuery } from "@tanstack/react-query"

import {
  deviceRunProjectsQueryOptions,
  deviceWorkerQueryOptions,
} from "@/lib/devices/query-options"
import { workerState } from "@/lib/devices/worker"
import { createClient } from "@/lib/supabase/client"
import { Badge } from "@/components/ui/badge"
import { Skeleton } from "@/components/ui/skeleton"
import { RelativeTime } from "@/components/shared/relative-time"
import { CommandHint } from "@/components/shell/empty-state"

/**
 * The device as a worker: whether `npm run device -- worker` runs there now (it checks in at
 * least every 30 s while idle), the runs it holds, and the projects it takes runs from.
 */
export function DeviceWorker({
  userId,
  deviceId,
  jobsEnabled,
  now,
}: {
  userId: string
  deviceId: string
  jobsEnabled: boolean
  now: number
}) {
  const supabase = createClient()
  const worker = useQuery(deviceWorkerQueryOptions(supabase, userId, deviceId))
  const projects = useQuery(
    deviceRunProjectsQueryOptions(supabase, userId, deviceId)
  )

  if (worker.isPending)
    return (
      <div className="space-y-2" aria-label="Loading the worker">
        <Skeleton className="h-4 w-3/4" />
        <Skeleton className="h-4 w-1/2" />
      </div>
    )
  if (worker.isError)
    return (
      <p className="text-muted-foreground">
        Could not load the worker.{" "}
        <button
          type="button"
          className="underline underline-offset-4"
          onClick={() => void worker.refetch()}
        >
          Try again
        </button>
      </p>
    )

  const state = workerState(worker.data, now)
  const { seen, runs } = worker.data
  const served = projects.data
    ? projects.data.eligible.filter((project) =>
        projects.data.enabled.includes(project.id)
      )
    : null

  return (
    <div className="space-y-3">
      <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <Badge variant={state === "running" ? "default" : "secondary"}>
          {state === "running"
            ? runs.length > 0
              ? `Running ${runs.length} run${runs.length === 1 ? "" : "s"}`
              : "Running · idle"
            : state === "stopped"
              ? "Not running"
              : "Never started"}
        </Badge>
        {seen && state === "running" ? (
          <span className="text-muted-foreground">
            since <RelativeTime date={seen.started_at} now={now} /> · checked in{" "}
            <RelativeTime date={seen.seen_at} now={now} />
          </span>
        ) : seen ? (
          <span className="text-muted-foreground">
            last seen <RelativeTime date={seen.seen_at} now={now} />
          </span>
        ) : null}
      </p>
      {!jobsEnabled ? (
        <p className="text-muted-foreground">
          Jobs are turned off for this device: it claims nothing until “Let this
          device run workflow jobs” is on in its settings.
        </p>
      ) : state !== "running" ? (
        <div className="space-y-1 text-muted-foreground">
          <p>Start the worker on the device:</p>
          <CommandHint command="npm run device -- worker" />
        </div>
      ) : null}
      <div>
        <p className="text-muted-foreground">Takes runs from</p>
        {served === null ? (
          projects.isError ? (
            <p className="text-muted-foreground">
              Could not load its projects.
            </p>
          ) : (
            <Skeleton className="h-4 w-1/2" />
          )
        ) : served.length === 0 ? (
          <p>No project yet: choose them in this device&apos;s settings.</p>
        ) : (
          <p className="wrap-anywhere">
            {served.map((project) => project.name).join(", ")}
          </p>
        )}
      </div>
      {runs.length > 0 && (
        <div>
          <p className="text-muted-foreground">Working on</p>
          <ul className="divide-y">
            {runs.map((run) => (
              <li
                key={run.id}
                className="flex items-baseline justify-between gap-3 py-2"
              >
                <Link
                  href={`/runs/${run.id}`}
                  className="min-w-0 truncate font-medium underline-offset-4 hover:underline"
                  title={run.workflow?.name ?? run.id}
                >
                  {run.workflow?.name ?? run.id.slice(0, 8)}
                  {run.project ? (
                    <span className="font-normal text-muted-foreground">
                      {" "}
                      · {run.project.name}
                    </span>
                  ) : null}
                </Link>
                <span className="shrink-0 text-xs text-muted-foreground">
                  {run.status}
                  {(run.started_at ?? run.claimed_at) ? (
                    <>
                      {" "}
                      <RelativeTime
                        date={(run.started_at ?? run.claimed_at)!}
                        now={now}
                      />
                    </>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}
