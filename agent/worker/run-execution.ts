import { createHash } from "node:crypto"
import { createWriteStream } from "node:fs"
import { mkdir, rm, rmdir } from "node:fs/promises"
import path from "node:path"
import { createGzip } from "node:zlib"

import { z } from "zod"

import {
  RUN_ARTIFACT_MAX_BYTES,
  type ClaimedRun,
  type RunLogLine,
} from "@/lib/devices/runs-schema"
import {
  readStoredDefinition,
  workflowDefinitionSchema,
  type WorkflowStep,
} from "@/lib/workflows/definition"
import { paramsAsEnv, resolveParams } from "@/lib/workflows/params"

import { isLeaseLost, type ArtifactMeta, type WorkerApi } from "./api"
import { artifactKey, findFiles, measureFile } from "./artifacts"
import { systemClock, type Clock, type Timer } from "./clock"
import { type WorkerLocalConfig } from "./local-config"
import { LogBatcher } from "./log-batcher"
import { formatBytes, OutputBudget, StepOutput } from "./output"
import { assertRealInside, PathOutsideError, resolveInside } from "./paths"
import {
  KILL_GRACE_MS,
  startStepProcess,
  type StepProcess,
  type StepProcessResult,
  type StopReason,
} from "./step-process"

// One claimed run, start to finish (docs/device-agent.md, "The worker"): checks the
// definition and params, makes a fresh folder, runs the steps in order as child processes
// with their output streamed to the run's log, renews the lease, and completes the run -
// unless the lease was lost (then it stops and completes nothing: the run is someone
// else's now) or the run was canceled (then it stops the step and records how).

/** Steps without timeout_seconds get an hour. */
export const DEFAULT_STEP_TIMEOUT_SECONDS = 3600

export type RunOutcome =
  | { status: "succeeded" | "failed"; error: string | null }
  | { status: "canceled" }
  | { status: "lease_lost" }

export type RunExecutionOptions = {
  api: WorkerApi
  /** The agent's data folder; runs get fresh folders under runs/. */
  dataDir: string
  localConfig: WorkerLocalConfig
  leaseSeconds: number
  clock?: Clock
  killGraceMs?: number
  outputLimitBytes?: number
  flushAfterMs?: number
  /** The device's local environment, where steps find their secrets. */
  env?: Record<string, string | undefined>
  pgDump?: string
  log?: (line: string) => void
}

type StepResult = {
  ok: boolean
  exitCode: number | null
  timedOut: boolean
  canceled: boolean
  error: string | null
  durationMs: number
}

/**
 * The log's account of a canceled step: the signals sent, how long the step took to stop
 * once it was signalled (the worker signals it as soon as the cancel reaches it), and how
 * long it had run in all.
 */
export function cancelLogLine(
  result: Pick<StepProcessResult, "killed" | "durationMs" | "stoppedAfterMs">,
  killGraceMs: number
): string {
  const signals = result.killed
    ? `sent SIGTERM, then SIGKILL after ${Math.round(killGraceMs / 1000)} s`
    : "sent SIGTERM"
  const stopped =
    result.stoppedAfterMs === null
      ? "the step stopped"
      : `the step stopped ${Math.round(result.stoppedAfterMs)} ms after SIGTERM`

  return `Canceled: ${signals}; ${stopped} (it had run ${Math.round(result.durationMs)} ms).`
}

export class RunExecution {
  readonly done: Promise<RunOutcome>
  private stopReason: StopReason | null = null
  private current: StepProcess | null = null
  private readonly batcher: LogBatcher
  private readonly clock: Clock
  private readonly budget: OutputBudget
  private heartbeatTimer: Timer | null = null
  /** After a cancel, lines the log can no longer take; sent with the stop record. */
  private closingLines: RunLogLine[] = []
  private stopSignal: { signal: string; at: number } | null = null

  constructor(
    readonly run: ClaimedRun,
    private readonly options: RunExecutionOptions
  ) {
    this.clock = options.clock ?? systemClock
    this.budget = new OutputBudget(options.outputLimitBytes)
    this.batcher = new LogBatcher({
      clock: this.clock,
      flushAfterMs: options.flushAfterMs,
      send: async (lines) => {
        await options.api.appendLogs(run.id, lines)
      },
      onError: (error, lines) => {
        this.closingLines.push(...lines)
        if (isLeaseLost(error)) void this.checkLease()
        else
          this.say(
            `log lines for run ${run.id} were not sent: ${String(error)}`
          )
      },
    })
    this.done = this.execute()
  }

  /** Stops the run because it was canceled in the console. */
  cancel(): void {
    this.stop("canceled")
  }

  /**
   * Stops the run without completing it: the run went back to the queue and was claimed
   * again (by this device too, which the database's fence cannot tell from this execution).
   */
  abandon(): void {
    this.stop("lease_lost")
  }

  private stop(reason: StopReason) {
    if (this.stopReason) return
    this.stopReason = reason
    // The run is someone else's now (or our own next attempt's): write nothing more to it.
    if (reason === "lease_lost") this.batcher.discard()
    if (this.current) {
      this.stopSignal = { signal: "SIGTERM", at: this.clock.now() }
      this.current.stop(reason)
    }
  }

  private say(line: string) {
    this.options.log?.(line)
  }

  private logLine(line: string, stream: RunLogLine["stream"] = "system") {
    if (this.stopReason === "lease_lost") return
    const entry = { line, stream, at: new Date(this.clock.now()).toISOString() }
    if (this.stopReason === "canceled") this.closingLines.push(entry)
    else this.batcher.push(entry)
  }

  private async checkLease() {
    try {
      const beat = await this.options.api.heartbeat(
        this.run.id,
        this.options.leaseSeconds
      )
      if (beat.canceled) this.stop("canceled")
    } catch (error) {
      if (isLeaseLost(error)) this.stop("lease_lost")
    }
  }

  private scheduleHeartbeat() {
    const everyMs = Math.max(1000, (this.options.leaseSeconds * 1000) / 3)
    this.heartbeatTimer = this.clock.setTimeout(() => {
      void this.checkLease().finally(() => {
        if (!this.stopReason && this.heartbeatTimer) this.scheduleHeartbeat()
      })
    }, everyMs)
  }

  private async execute(): Promise<RunOutcome> {
    const { run } = this
    const { api } = this.options
    this.scheduleHeartbeat()
    const workDir = path.join(
      this.options.dataDir,
      "runs",
      run.id,
      `attempt-${run.attempts}`
    )
    try {
      const outcome = await this.work(workDir)
      await this.batcher.flush()
      if (this.stopReason === "lease_lost") return { status: "lease_lost" }
      if (this.stopReason === "canceled") {
        await this.recordStop()
        return { status: "canceled" }
      }
      await api.complete(run.id, {
        status: outcome.ok ? "succeeded" : "failed",
        exit_code: outcome.exitCode,
        error: outcome.error,
      })
      return {
        status: outcome.ok ? "succeeded" : "failed",
        error: outcome.error,
      }
    } catch (error) {
      if (isLeaseLost(error)) {
        // Canceled or taken away while completing: find out which, then never complete.
        await this.checkLease()
        if (this.stopReason === "canceled") {
          await this.recordStop()
          return { status: "canceled" }
        }
        return { status: "lease_lost" }
      }
      // The worker itself broke: fail the run with the reason rather than leave it to expire.
      const message = `The worker failed: ${error instanceof Error ? error.message : String(error)}`
      this.say(message)
      try {
        this.logLine(`::error::${message}`)
        await this.batcher.flush()
        await api.complete(run.id, { status: "failed", error: message })
      } catch {
        // The lease will expire and the run return to the queue.
      }
      return { status: "failed", error: message }
    } finally {
      this.heartbeatTimer?.cancel()
      this.heartbeatTimer = null
      await rm(workDir, { recursive: true, force: true }).catch(() => {})
      // …and the run's own folder once no attempt is left in it (rmdir refuses a folder that
      // is not empty: this device's next attempt of the run may be working there already).
      await rmdir(path.dirname(workDir)).catch(() => {})
    }
  }

  private async recordStop() {
    const signal = this.stopSignal
    await this.options.api
      .stopped(
        this.run.id,
        this.closingLines
          .slice(-100)
          .map(({ line, stream }) => ({ line, stream })),
        {
          signal: signal
            ? signal.signal === "SIGKILL"
              ? "SIGKILL"
              : "SIGTERM"
            : null,
          stopped_after_ms: signal ? this.clock.now() - signal.at : 0,
        }
      )
      .catch((error: unknown) =>
        this.say(
          `could not record the stop of run ${this.run.id}: ${String(error)}`
        )
      )
  }

  /** Fails the run before any step ran, with the reason in the log and the run's error. */
  private refuse(error: string): { ok: false; exitCode: null; error: string } {
    this.logLine(`::error::${error}`)

    return { ok: false, exitCode: null, error }
  }

  private async work(
    workDir: string
  ): Promise<{ ok: boolean; exitCode: number | null; error: string | null }> {
    const { run, options } = this
    const { api } = options
    const definition = readStoredDefinition(run.workflow.definition)
    if (!definition) {
      const parsed = workflowDefinitionSchema.safeParse(run.workflow.definition)
      const reason = parsed.success
        ? "it cannot be read"
        : parsed.error.issues
            .map((i) => `${i.path.join(".") || "definition"}: ${i.message}`)
            .join("; ")
      return this.refuse(
        `The workflow "${run.workflow.name}" has an invalid definition (${reason}); fix it on the project's Workflows tab.`
      )
    }
    const params = resolveParams(definition, run.params)
    if (!params.ok)
      return this.refuse(
        `The run's params do not fit the workflow's inputs: ${params.problem}.`
      )

    await rm(workDir, { recursive: true, force: true })
    await mkdir(workDir, { recursive: true })
    await api.start(run.id, options.leaseSeconds)
    this.logLine(
      `Run ${run.id}, attempt ${run.attempts} of ${run.max_attempts}, on this device's worker`
    )

    let failure: { exitCode: number | null; error: string } | null = null
    for (const [index, step] of definition.steps.entries()) {
      if (this.stopReason) break
      this.logLine(`::group::${step.name}`)
      await api.event(run.id, "step.started", step.name, {
        index,
        name: step.name,
      })
      const result = await this.runStep(step, workDir, params.params)
      this.logLine("::endgroup::")
      // Canceled or taken away: what the step did no longer decides anything.
      if (this.stopReason) break
      if (this.stopReason !== "canceled") {
        await api.event(
          run.id,
          "step.finished",
          result.ok ? step.name : (result.error ?? step.name),
          {
            index,
            name: step.name,
            exit_code: result.exitCode,
            duration_ms: Math.round(result.durationMs),
            timed_out: result.timedOut,
            canceled: result.canceled,
          }
        )
      }
      if (this.budget.exceeded) {
        failure = {
          exitCode: result.exitCode,
          error: `Output over ${formatBytes(this.budget.limitBytes)}: the log was truncated and the run failed in step "${step.name}".`,
        }
        break
      }
      if (!result.ok) {
        if (step.continue_on_error) {
          this.logLine(
            `Step "${step.name}" failed (${result.error}); continuing, as continue_on_error allows.`
          )
          continue
        }
        failure = {
          exitCode: result.exitCode,
          error: result.error ?? `Step "${step.name}" failed.`,
        }
        break
      }
    }
    if (failure) {
      this.logLine(`::error::${failure.error}`)
      return { ok: false, ...failure }
    }

    return { ok: true, exitCode: 0, error: null }
  }

  private async runStep(
    step: WorkflowStep,
    workDir: string,
    params: Record<string, string | number | boolean>
  ): Promise<StepResult> {
    const timeoutMs =
      (step.timeout_seconds ?? DEFAULT_STEP_TIMEOUT_SECONDS) * 1000
    const env = {
      ...(this.options.env ?? process.env),
      ...paramsAsEnv(params),
      LMX_RUN_ID: this.run.id,
      LMX_RUN_ATTEMPT: String(this.run.attempts),
      LMX_WORKSPACE: workDir,
    }
    const started = this.clock.now()
    const failed = (error: string): StepResult => ({
      ok: false,
      exitCode: null,
      timedOut: false,
      canceled: false,
      error,
      durationMs: this.clock.now() - started,
    })
    try {
      if ("run" in step) {
        let cwd: string
        try {
          cwd = resolveInside(workDir, step.working_directory)
          await mkdir(cwd, { recursive: true })
          await assertRealInside(workDir, cwd, step.working_directory ?? ".")
        } catch (error) {
          if (error instanceof PathOutsideError) {
            this.logLine(`::error::Step "${step.name}": ${error.message}`)
            return failed(`Step "${step.name}": ${error.message}`)
          }
          throw error
        }
        return this.finishProcess(
          step.name,
          timeoutMs,
          this.spawn({
            command: step.run,
            cwd,
            env: { ...env, ...step.env },
            timeoutMs,
          })
        )
      }
      if (step.uses === "backup-postgres")
        return await this.backupPostgres(step, workDir, env, timeoutMs)

      return await this.uploadArtifact(step.with.path, workDir, started)
    } catch (error) {
      const message = `Step "${step.name}": ${error instanceof Error ? error.message : String(error)}`
      if (isLeaseLost(error)) throw error
      this.logLine(`::error::${message}`)
      return failed(message)
    }
  }

  private spawn(
    input: Omit<
      Parameters<typeof startStepProcess>[0],
      "output" | "clock" | "killGraceMs"
    >
  ) {
    const output = new StepOutput(
      this.budget,
      (line) => this.logLine(line.line, line.stream),
      () => this.current?.stop("output_limit")
    )
    const process = startStepProcess({
      ...input,
      output,
      clock: this.clock,
      killGraceMs: this.options.killGraceMs ?? KILL_GRACE_MS,
    })
    this.current = process
    if (this.stopReason) {
      this.stopSignal = { signal: "SIGTERM", at: this.clock.now() }
      process.stop(this.stopReason)
    }

    return process
  }

  private async finishProcess(
    name: string,
    timeoutMs: number,
    process: StepProcess
  ): Promise<StepResult> {
    const result: StepProcessResult = await process.result
    this.current = null
    if (result.killed && this.stopSignal) this.stopSignal.signal = "SIGKILL"
    const base = {
      exitCode: result.exitCode,
      timedOut: result.stoppedFor === "timeout",
      canceled: result.stoppedFor === "canceled",
      durationMs: result.durationMs,
    }
    if (result.spawnError)
      return {
        ...base,
        ok: false,
        error: `Step "${name}" could not start: ${result.spawnError}`,
      }
    if (result.stoppedFor === "timeout") {
      const error = `Step "${name}" timed out after ${Math.round(timeoutMs / 1000)} s and was stopped${result.killed ? " (SIGKILL)" : ""}.`
      this.logLine(`::error::${error}`)
      return { ...base, ok: false, error }
    }
    if (result.stoppedFor === "canceled") {
      this.logLine(
        cancelLogLine(result, this.options.killGraceMs ?? KILL_GRACE_MS)
      )
      return { ...base, ok: false, error: "Canceled" }
    }
    if (result.stoppedFor)
      return {
        ...base,
        ok: false,
        error: `Step "${name}" was stopped (${result.stoppedFor}).`,
      }
    if (result.exitCode === 0) return { ...base, ok: true, error: null }

    return {
      ...base,
      ok: false,
      error: `Step "${name}" failed with ${result.exitCode === null ? `signal ${result.signal}` : `exit code ${result.exitCode}`}.`,
    }
  }

  private async backupPostgres(
    step: Extract<WorkflowStep, { uses: "backup-postgres" }>,
    workDir: string,
    env: Record<string, string | undefined>,
    timeoutMs: number
  ): Promise<StepResult> {
    const settings = z
      .strictObject({
        connection: z.string().default("default"),
        key: z.string().optional(),
      })
      .safeParse(step.with ?? {})
    if (!settings.success) {
      throw new Error(
        `with: ${settings.error.issues.map((i) => `${i.path.join(".") || "with"}: ${i.message}`).join("; ")} (backup-postgres takes connection and key)`
      )
    }
    const { connection } = settings.data
    const url = this.options.localConfig.postgres[connection]
    if (!url) {
      throw new Error(
        `no Postgres connection "${connection}" in this device's worker.json (docs/workflows.md, "backup-postgres"); the connection string never leaves the device`
      )
    }
    const key = artifactKey(settings.data.key ?? `${step.name}.sql.gz`)
    const file = path.join(workDir, key)
    await mkdir(path.dirname(file), { recursive: true })
    const hash = createHash("sha256")
    let size = 0
    const gzip = createGzip()
    const sink = createWriteStream(file)
    gzip.on("data", (chunk: Buffer) => {
      hash.update(chunk)
      size += chunk.byteLength
    })
    gzip.pipe(sink)
    const written = new Promise<void>((resolve, reject) => {
      sink.on("finish", resolve)
      sink.on("error", reject)
    })
    this.logLine(`pg_dump of the "${connection}" connection into ${key}`)
    const process = this.spawn({
      command: this.options.pgDump ?? "pg_dump",
      args: ["--no-password", "--dbname", url],
      cwd: workDir,
      env,
      timeoutMs,
      stdoutSink: (chunk) => gzip.write(chunk),
    })
    const result = await this.finishProcess(step.name, timeoutMs, process)
    gzip.end()
    await written
    if (!result.ok) return result
    const sha256 = hash.digest("hex")
    await this.storeArtifact(
      { key, size_bytes: size, sha256, content_type: "application/gzip" },
      file
    )
    this.logLine(`Artifact ${key}: ${formatBytes(size)}, sha256 ${sha256}`)

    return result
  }

  /**
   * An artifact's bytes go straight to Storage (run-artifacts, at a URL the console signs for
   * the device holding the run), then the artifact is recorded with its size and sha256.
   */
  private async storeArtifact(artifact: ArtifactMeta, file: string) {
    if (artifact.size_bytes > RUN_ARTIFACT_MAX_BYTES) {
      throw new Error(
        `artifact ${artifact.key} is ${formatBytes(artifact.size_bytes)}, over the 100 MiB an artifact may be`
      )
    }
    const { upload_url } = await this.options.api.artifactUploadUrl(
      this.run.id,
      artifact
    )
    await this.options.api.putArtifact(upload_url, file, artifact.content_type)
    await this.options.api.artifact(this.run.id, {
      ...artifact,
      uploaded: true,
    })
  }

  private async uploadArtifact(
    glob: string,
    workDir: string,
    started: number
  ): Promise<StepResult> {
    const files = await findFiles(workDir, glob)
    if (files.length === 0)
      throw new Error(`upload-artifact: no file matches "${glob}"`)
    for (const relative of files) {
      const key = artifactKey(relative)
      const full = path.join(workDir, relative)
      const { size, sha256 } = await measureFile(full)
      await this.storeArtifact(
        {
          key,
          size_bytes: size,
          sha256,
          content_type: "application/octet-stream",
        },
        full
      )
      this.logLine(`Artifact ${key}: ${formatBytes(size)}, sha256 ${sha256}`)
    }

    return {
      ok: true,
      exitCode: 0,
      timedOut: false,
      canceled: false,
      error: null,
      durationMs: this.clock.now() - started,
    }
  }
}
