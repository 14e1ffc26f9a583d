import {
  DEFAULT_LEASE_SECONDS,
  type WorkerSessionResponse,
} from "@/lib/devices/runs-schema"

import { WorkerApiError, type WorkerApi } from "./api"
import { type WorkerLocalConfig } from "./local-config"
import {
  RunExecution,
  type RunExecutionOptions,
  type RunOutcome,
} from "./run-execution"
import { joinWakeChannel, type WakeChannel, type WakeEvents } from "./wake"

// `npm run device -- worker`: the device as a worker (docs/device-agent.md). It runs only
// while its owner lets it ("Let this device run workflow jobs" on the device's page), up to
// that setting's number of runs at once, for the projects chosen there. It claims as soon as
// Realtime says a run was queued, and otherwise polls with backoff (1 s doubling to 30 s), so
// a lost Realtime connection slows it down but never stops it.

export const POLL_MIN_MS = 1000
export const POLL_MAX_MS = 30_000

export type WorkerOptions = Omit<
  RunExecutionOptions,
  "api" | "leaseSeconds"
> & {
  api: WorkerApi
  localConfig: WorkerLocalConfig
  leaseSeconds?: number
  log: (line: string) => void
  error: (line: string) => void
  signal?: AbortSignal
  /** Exit after the first claimed run ends (tests, one-off use). */
  once?: boolean
  pollMinMs?: number
  pollMaxMs?: number
  joinWake?: (
    realtime: NonNullable<WorkerSessionResponse["realtime"]>,
    events: WakeEvents
  ) => WakeChannel
  /** Told of each run's end (tests and the demo). */
  onOutcome?: (run: RunExecution, outcome: RunOutcome) => void
}

export const WORKER_DISABLED =
  "This device does not run workflow jobs. Turn on “Let this device run workflow jobs” in its settings on the console's Devices page, choose the projects it runs jobs for, then start the worker again."

export async function runWorker(options: WorkerOptions): Promise<number> {
  const {
    api,
    log,
    error: logError,
    signal,
    once = false,
    pollMinMs = POLL_MIN_MS,
    pollMaxMs = POLL_MAX_MS,
    leaseSeconds = DEFAULT_LEASE_SECONDS,
    joinWake = joinWakeChannel,
  } = options
  let session = await api.session()
  if (!session.enabled) {
    logError(WORKER_DISABLED)
    return 1
  }

  const running = new Map<string, RunExecution>()
  let hint: string | null = null
  let wakeUp: (() => void) | null = null
  // A wake-up that comes while the loop is not waiting (a run queued during a claim round
  // trip, a run's end) is kept for the next wait, which then returns at once; dropping it left
  // the queued run to the next poll (up to 30 s) instead of the Realtime wake-up.
  let wokeMeanwhile = false
  const wake = () => {
    const resolve = wakeUp
    wakeUp = null
    if (resolve) resolve()
    else wokeMeanwhile = true
  }
  let realtimeState: "live" | "offline" = "offline"
  const describe = () =>
    `${session.project_ids.length} project${session.project_ids.length === 1 ? "" : "s"}, up to ${session.max_concurrent} run${session.max_concurrent === 1 ? "" : "s"} at a time`

  const channel = session.realtime
    ? joinWake(session.realtime, {
        onQueued: (projectId) => {
          hint = projectId
          wake()
        },
        onCanceled: (runId) => {
          const execution = running.get(runId)
          if (execution) {
            log(`Run ${runId} was canceled in the console; stopping it.`)
            execution.cancel()
          }
        },
        onState: (state) => {
          if (state !== realtimeState) {
            log(
              state === "live"
                ? "Listening for queued runs and cancels (Realtime)."
                : "Realtime is offline; polling for runs."
            )
          }
          realtimeState = state
        },
      })
    : null

  // The session's token expires; renew it early, and pick up changed settings with it.
  let refreshTimer: NodeJS.Timeout | null = null
  const scheduleRefresh = () => {
    const seconds = Math.max(30, (session.realtime?.expires_in ?? 300) - 60)
    refreshTimer = setTimeout(() => {
      api.session().then(
        (next) => {
          session = next
          if (next.realtime) channel?.setToken(next.realtime.token)
          if (!next.enabled)
            log(
              "Jobs were turned off for this device in the console; no new runs will be claimed."
            )
          scheduleRefresh()
          wake()
        },
        (failure: unknown) => {
          logError(`Could not renew the worker session: ${String(failure)}`)
          scheduleRefresh()
        }
      )
    }, seconds * 1000)
  }
  scheduleRefresh()

  log(
    session.project_ids.length === 0
      ? "Worker started, but no project is chosen for this device yet: choose them in its settings on the console's Devices page."
      : `Worker started: ${describe()}.`
  )

  let delay = pollMinMs
  // Set by a run's end, in a callback the loop's narrowing cannot see.
  const ended: { first: RunOutcome | null } = { first: null }
  try {
    while (!signal?.aborted && !(once && ended.first)) {
      // This round's claim answers every wake-up before it.
      wokeMeanwhile = false
      let claimed = false
      const free =
        running.size < session.max_concurrent && !(once && running.size > 0)
      if (free && session.enabled && session.project_ids.length > 0) {
        const projectId = hint
        hint = null
        try {
          const run = await api.claim({
            lease_seconds: leaseSeconds,
            ...(projectId && session.project_ids.includes(projectId)
              ? { project_id: projectId }
              : {}),
          })
          if (run) {
            claimed = true
            // Our own earlier attempt of this run lost its lease and the run came back to
            // us: that execution is stale, stop it (it completes nothing).
            running.get(run.id)?.abandon()
            log(
              `Claimed run ${run.id} of "${run.workflow.name}" (attempt ${run.attempts} of ${run.max_attempts}).`
            )
            const execution = new RunExecution(run, {
              ...options,
              api,
              leaseSeconds,
            })
            running.set(run.id, execution)
            void execution.done.then((outcome) => {
              if (running.get(run.id) === execution) running.delete(run.id)
              log(
                `Run ${run.id} ${outcome.status === "lease_lost" ? (signal?.aborted ? "was stopped with the worker; nothing was completed" : "was taken away (its lease was lost); nothing was completed") : outcome.status}${"error" in outcome && outcome.error ? `: ${outcome.error}` : ""}.`
              )
              options.onOutcome?.(execution, outcome)
              ended.first ??= outcome
              wake()
            })
          }
        } catch (failure) {
          if (
            failure instanceof WorkerApiError &&
            (failure.code === "worker_disabled" || failure.status === 401)
          ) {
            logError(
              failure.code === "worker_disabled"
                ? WORKER_DISABLED
                : failure.message
            )
            if (failure.status === 401) return 1
          } else {
            logError(
              `Claim failed: ${failure instanceof Error ? failure.message : String(failure)}`
            )
          }
        }
      }
      if (claimed || wokeMeanwhile) {
        delay = pollMinMs
        continue
      }
      // Stopped during the claim: the abort event has fired already, so the wait below would
      // not hear it and would sleep a whole poll.
      if (signal?.aborted) break
      const woken = await new Promise<boolean>((resolve) => {
        const onAbort = () => wakeUp?.()
        const timer = setTimeout(() => {
          wakeUp = null
          signal?.removeEventListener("abort", onAbort)
          resolve(false)
        }, delay)
        wakeUp = () => {
          clearTimeout(timer)
          signal?.removeEventListener("abort", onAbort)
          resolve(true)
        }
        signal?.addEventListener("abort", onAbort, { once: true })
      })
      delay = woken ? pollMinMs : Math.min(delay * 2, pollMaxMs)
    }
  } finally {
    if (refreshTimer) clearTimeout(refreshTimer)
    await channel?.close().catch(() => {})
  }
  if (running.size > 0) {
    log(
      `Stopping with ${running.size} run${running.size === 1 ? "" : "s"} still going: stopping ${running.size === 1 ? "its step" : "their steps"}; ${running.size === 1 ? "it returns" : "they return"} to the queue when ${running.size === 1 ? "its lease expires" : "their leases expire"}.`
    )
    // A step runs in its own process group, so nothing else would stop it once this process
    // is gone: stop each one (SIGTERM, then SIGKILL after the grace period) and complete
    // nothing, as a lost lease does; the queue retries the run up to its max_attempts.
    const left = [...running.values()]
    for (const execution of left) execution.abandon()
    await Promise.all(left.map((execution) => execution.done))
  }
  if (once) return ended.first?.status === "succeeded" ? 0 : 1

  return 0
}
