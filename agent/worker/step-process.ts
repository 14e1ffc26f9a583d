import { spawn } from "node:child_process"

import { systemClock, type Clock, type Timer } from "./clock"
import { type StepOutput } from "./output"

// One `run` step as a child process: a shell running the command in the step's folder, with
// its output fed to the run's log. Stopping it (cancel, timeout, lease lost, output limit)
// sends SIGTERM to its whole process group, then SIGKILL after a grace period (10 s), so a
// shell's children stop too.

export const KILL_GRACE_MS = 10_000

export type StopReason = "canceled" | "timeout" | "lease_lost" | "output_limit"

export type StepProcessResult = {
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** Why the worker stopped it, if it did. */
  stoppedFor: StopReason | null
  /** SIGKILL was needed: the step ignored SIGTERM for the whole grace period. */
  killed: boolean
  durationMs: number
  /** From the stop (SIGTERM) to the exit, when the worker stopped it; else null. */
  stoppedAfterMs: number | null
  /** The process could not start (no shell, bad folder). */
  spawnError?: string
}

export type StepProcess = {
  result: Promise<StepProcessResult>
  stop(reason: StopReason): void
}

export function startStepProcess({
  command,
  args,
  stdoutSink,
  cwd,
  env,
  output,
  timeoutMs,
  clock = systemClock,
  killGraceMs = KILL_GRACE_MS,
  platform = process.platform,
}: {
  /** A shell command line, or with `args` an executable run without a shell. */
  command: string
  args?: string[]
  /** Takes stdout instead of the log (backup-postgres writes the dump there). */
  stdoutSink?: (chunk: Buffer) => void
  cwd: string
  env: Record<string, string | undefined>
  output: StepOutput
  timeoutMs?: number
  clock?: Clock
  killGraceMs?: number
  platform?: NodeJS.Platform
}): StepProcess {
  const started = clock.now()
  const windows = platform === "win32"
  const child = spawn(command, args ?? [], {
    cwd,
    // Next's types make NODE_ENV required on ProcessEnv; a step's env is any variables.
    env: env as NodeJS.ProcessEnv,
    shell: args === undefined,
    // Its own process group, so a stop reaches the shell's children as well.
    detached: !windows,
    stdio: ["ignore", "pipe", "pipe"],
    windowsHide: true,
  })
  let stoppedFor: StopReason | null = null
  let killed = false
  let stopAt: number | null = null
  let graceTimer: Timer | null = null
  let timeoutTimer: Timer | null = null

  const signal = (sig: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null) return
    try {
      if (windows) child.kill(sig)
      else process.kill(-child.pid, sig)
    } catch {
      // Already gone.
    }
  }

  const stop = (reason: StopReason) => {
    if (stoppedFor) return
    stoppedFor = reason
    stopAt = clock.now()
    signal("SIGTERM")
    graceTimer = clock.setTimeout(() => {
      killed = true
      signal("SIGKILL")
    }, killGraceMs)
  }

  if (timeoutMs !== undefined) {
    timeoutTimer = clock.setTimeout(() => stop("timeout"), timeoutMs)
  }
  child.stdout.on("data", (chunk: Buffer) =>
    stdoutSink ? stdoutSink(chunk) : output.write("stdout", chunk)
  )
  child.stderr.on("data", (chunk: Buffer) => output.write("stderr", chunk))

  const result = new Promise<StepProcessResult>((resolve) => {
    let spawnError: string | undefined
    child.on("error", (error) => {
      spawnError = error.message
    })
    // "close": the process exited and its output streams are drained.
    child.on("close", (exitCode, sig) => {
      graceTimer?.cancel()
      timeoutTimer?.cancel()
      output.end()
      const ended = clock.now()
      resolve({
        exitCode,
        signal: sig,
        stoppedFor,
        killed,
        durationMs: ended - started,
        stoppedAfterMs: stopAt === null ? null : ended - stopAt,
        ...(spawnError ? { spawnError } : {}),
      })
    })
  })

  return { result, stop }
}
