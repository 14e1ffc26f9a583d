"use client"

import * as React from "react"
import Link from "next/link"
import { useQuery, useSuspenseQuery } from "@tanstack/react-query"
import { ArrowLeft, ShieldAlert } from "lucide-react"

import { formatRole } from "@/lib/devices/format"
import { deriveOnlineState, ONLINE_RECHECK_MS } from "@/lib/devices/online"
import {
  deviceQueryOptions,
  deviceRunsQueryOptions,
  deviceSessionsQueryOptions,
  deviceSpeedsQueryOptions,
  deviceSyncQueryOptions,
  deviceUsageQueryOptions,
} from "@/lib/devices/query-options"
import { formatCount, formatQuantity, formatUsd } from "@/lib/format"
import { formatTokensPerSecond } from "@/lib/sessions/session-format"
import { createClient } from "@/lib/supabase/client"
import { Badge } from "@/components/ui/badge"
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import { Skeleton } from "@/components/ui/skeleton"
import { RelativeTime } from "@/components/shared/relative-time"
import { useServerNow } from "@/components/shared/use-server-now"
import { CommandHint } from "@/components/shell/empty-state"
import { DevicePriceDialog } from "@/components/usage/device-price-dialog"

import { DeviceActivityList } from "./device-activity"
import { DeviceFacts } from "./device-facts"
import { DeviceSettingsDialog } from "./device-settings-dialog"
import { DeviceSyncStatus } from "./device-sync-status"
import { DeviceWorker } from "./device-worker"
import { LiveIndicator } from "./live-indicator"
import { NeverConnectedHint } from "./never-connected-hint"
import { OnlineBadge } from "./online-badge"
import { RenameDeviceDialog } from "./rename-device-dialog"
import { RevokeDeviceDialog } from "./revoke-device-dialog"
import { useDevicesRealtime } from "./use-devices-realtime"

type DetailProps = { userId: string; deviceId: string; serverNow: string }

function Section({
  title,
  children,
}: {
  title: string
  children: React.ReactNode
}) {
  const id = React.useId()

  return (
    <Card role="region" aria-labelledby={id} className="min-w-0 gap-4">
      <CardHeader>
        <CardTitle id={id} className="text-base">
          {title}
        </CardTitle>
      </CardHeader>
      <CardContent className="text-sm">{children}</CardContent>
    </Card>
  )
}

function Loading({ label }: { label: string }) {
  return (
    <div className="space-y-2" aria-label={label}>
      <Skeleton className="h-4 w-3/4" />
      <Skeleton className="h-4 w-1/2" />
    </div>
  )
}

function LoadError({ what, onRetry }: { what: string; onRetry: () => void }) {
  return (
    <p className="text-muted-foreground">
      Could not load {what}.{" "}
      <button
        type="button"
        className="underline underline-offset-4"
        onClick={onRetry}
      >
        Try again
      </button>
    </p>
  )
}

export function DeviceDetail({ userId, deviceId, serverNow }: DetailProps) {
  const supabase = createClient()
  const { data: device } = useSuspenseQuery(
    deviceQueryOptions(supabase, userId, deviceId)
  )
  const sessions = useQuery(
    deviceSessionsQueryOptions(supabase, userId, deviceId)
  )
  const runs = useQuery(deviceRunsQueryOptions(supabase, userId, deviceId))
  const usage = useQuery(deviceUsageQueryOptions(supabase, userId, deviceId))
  const speeds = useQuery(deviceSpeedsQueryOptions(supabase, userId, deviceId))
  const synced = useQuery(deviceSyncQueryOptions(supabase, userId))
  const live = useDevicesRealtime(userId)
  const now = useServerNow(serverNow, ONLINE_RECHECK_MS)

  if (!device) {
    return (
      <div className="space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">
          Device not found
        </h1>
        <p className="text-sm text-muted-foreground">
          It was removed, or it belongs to another account.{" "}
          <Link href="/devices" className="underline underline-offset-4">
            Back to devices
          </Link>
        </p>
      </div>
    )
  }

  const state = deriveOnlineState(device, now)
  const isRevoked = state === "revoked"

  return (
    <div className="space-y-6">
      <Link
        href="/devices"
        className="inline-flex items-center gap-1 rounded-sm text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        All devices
      </Link>
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0 space-y-2">
          <h1 className="text-2xl font-semibold tracking-tight wrap-anywhere">
            {device.name}
          </h1>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-muted-foreground">
            <OnlineBadge state={state} />
            <Badge variant="outline">{formatRole(device.role)}</Badge>
            <span>
              {device.last_seen_at ? (
                <>
                  Last seen{" "}
                  <RelativeTime date={device.last_seen_at} now={now} />
                </>
              ) : (
                "No heartbeat yet"
              )}
            </span>
            <span>
              Paired <RelativeTime date={device.paired_at} now={now} />
            </span>
          </div>
          {!isRevoked && (
            <DeviceSyncStatus
              device={device}
              lastSyncedAt={
                synced.data
                  ? (synced.data[device.id]?.last_synced_at ?? null)
                  : undefined
              }
              now={now}
              className="text-sm"
            />
          )}
          {state === "never" && <NeverConnectedHint className="text-sm" />}
          <LiveIndicator state={live} />
        </div>
        {!isRevoked && (
          <div className="flex flex-wrap gap-2 sm:shrink-0">
            <RenameDeviceDialog userId={userId} device={device} />
            <DeviceSettingsDialog userId={userId} device={device} />
            <DevicePriceDialog deviceId={device.id} deviceName={device.name} />
            <RevokeDeviceDialog userId={userId} device={device} />
          </div>
        )}
      </div>

      {isRevoked && device.revoked_at && (
        <div
          role="status"
          className="flex gap-3 rounded-xl border border-red-500/40 bg-red-500/5 p-4 text-sm"
        >
          <ShieldAlert
            className="mt-0.5 size-5 shrink-0 text-red-600 dark:text-red-400"
            aria-hidden="true"
          />
          <div className="space-y-2">
            <p>
              This device was revoked{" "}
              <RelativeTime date={device.revoked_at} now={now} />. The device
              API refuses it; to use the machine again, pair it again:
            </p>
            <CommandHint command="npm run device -- pair" />
          </div>
        </div>
      )}

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Section title="Capabilities">
          <DeviceFacts device={device} showAllModels />
          <p className="mt-3 text-muted-foreground">
            Helper {device.helper_enabled ? "enabled" : "disabled"}
            {device.helper_enabled &&
              ` · ${device.helper_config.max_concurrent ?? 1} job(s) at a time` +
                (device.helper_config.auto_start
                  ? " · starts with the agent"
                  : "")}
          </p>
        </Section>
        <Section title="Usage, last 30 days">
          {usage.isPending ? (
            <Loading label="Loading usage" />
          ) : usage.isError ? (
            <LoadError what="usage" onRetry={() => void usage.refetch()} />
          ) : usage.data.messages === 0 ? (
            <p className="text-muted-foreground">
              No messages from this device in the last {usage.data.days} days.
            </p>
          ) : (
            <dl className="grid grid-cols-2 gap-3">
              {(
                [
                  ["Messages", formatCount(usage.data.messages)],
                  ["Input tokens", formatCount(usage.data.inputTokens)],
                  ["Output tokens", formatCount(usage.data.outputTokens)],
                  ["Cached tokens", formatCount(usage.data.cachedTokens)],
                  ["Cloud-equivalent cost", formatUsd(usage.data.costUsd)],
                ] as const
              ).map(([label, value]) => (
                <div key={label}>
                  <dt className="text-muted-foreground">{label}</dt>
                  <dd className="text-lg font-semibold tabular-nums">
                    {value}
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </Section>
        <Section title="Speed per model, last 30 days">
          {speeds.isPending ? (
            <Loading label="Loading speeds" />
          ) : speeds.isError ? (
            <LoadError what="speeds" onRetry={() => void speeds.refetch()} />
          ) : speeds.data.length === 0 ? (
            <p className="text-muted-foreground">
              No timed answers from this device in the last 30 days.
            </p>
          ) : (
            <>
              <ul
                aria-label="Tokens per second by model"
                className="grid gap-2"
              >
                {speeds.data.map((speed) => (
                  <li
                    key={speed.model}
                    className="flex min-w-0 flex-wrap items-baseline justify-between gap-x-3"
                  >
                    <span
                      className="min-w-0 truncate font-mono text-xs"
                      title={speed.model}
                    >
                      {speed.model}
                    </span>
                    <span className="tabular-nums">
                      <span className="font-semibold">
                        {formatTokensPerSecond(speed.p50)}
                      </span>
                      <span className="text-muted-foreground">
                        {" "}
                        ({formatTokensPerSecond(speed.p10)}–
                        {formatTokensPerSecond(speed.p90)},{" "}
                        {formatCount(speed.hours)}{" "}
                        {speed.hours === 1 ? "hour" : "hours"})
                      </span>
                    </span>
                  </li>
                ))}
              </ul>
              <p className="mt-3 text-muted-foreground">
                Measured on this device&apos;s messages: the median hourly
                average, with the 10th to 90th percentile.
              </p>
            </>
          )}
        </Section>
        <Section title="Recent sessions">
          {sessions.isPending ? (
            <Loading label="Loading sessions" />
          ) : sessions.isError ? (
            <LoadError
              what="sessions"
              onRetry={() => void sessions.refetch()}
            />
          ) : sessions.data.length === 0 ? (
            <p className="text-muted-foreground">
              No chat sessions synced from this device yet. They appear once its
              agent runs{" "}
              <code className="font-mono">npm run device -- sync</code>.
            </p>
          ) : (
            <ul className="divide-y">
              {sessions.data.map((session) => (
                <li
                  key={session.id}
                  className="flex items-baseline justify-between gap-3 py-2"
                >
                  <span className="min-w-0">
                    <span
                      className="block truncate font-medium"
                      title={session.title || "Untitled session"}
                    >
                      {session.title || "Untitled session"}
                    </span>
                    <span className="block text-xs wrap-anywhere text-muted-foreground">
                      {session.model ?? "unknown model"} ·{" "}
                      {formatQuantity(session.message_count, "message")} ·{" "}
                      {formatUsd(session.cost_usd)}
                    </span>
                  </span>
                  <RelativeTime
                    date={session.updated_at}
                    now={now}
                    className="shrink-0 text-xs text-muted-foreground"
                  />
                </li>
              ))}
            </ul>
          )}
        </Section>
        {!isRevoked && (
          <Section title="Worker">
            <DeviceWorker
              userId={userId}
              deviceId={device.id}
              jobsEnabled={device.helper_enabled}
              now={now}
            />
          </Section>
        )}
        <Section title="Recent runs">
          {runs.isPending ? (
            <Loading label="Loading runs" />
          ) : runs.isError ? (
            <LoadError what="runs" onRetry={() => void runs.refetch()} />
          ) : runs.data.length === 0 ? (
            <p className="text-muted-foreground">
              This device has not claimed any workflow runs.
              {!device.helper_enabled &&
                " Enable its helper to let it take work."}
            </p>
          ) : (
            <ul className="divide-y">
              {runs.data.map((run) => (
                <li
                  key={run.id}
                  className="flex items-baseline justify-between gap-3 py-2"
                >
                  <span className="min-w-0">
                    <span className="font-mono text-xs">
                      {run.id.slice(0, 8)}
                    </span>{" "}
                    <Badge
                      variant={
                        run.status === "failed" ? "destructive" : "secondary"
                      }
                    >
                      {run.status}
                    </Badge>
                    {run.exit_code !== null && (
                      <span className="text-xs text-muted-foreground">
                        {" "}
                        exit {run.exit_code}
                      </span>
                    )}
                  </span>
                  <RelativeTime
                    date={run.finished_at ?? run.started_at ?? run.queued_at}
                    now={now}
                    className="shrink-0 text-xs text-muted-foreground"
                  />
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <DeviceActivityList
        userId={userId}
        deviceId={deviceId}
        serverNow={serverNow}
      />
    </div>
  )
}
