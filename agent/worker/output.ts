import { StringDecoder } from "node:string_decoder"

import { MAX_LOG_LINE_CHARS, type RunLogLine } from "@/lib/devices/runs-schema"

// A step's stdout and stderr as log lines: split on newlines (a CRLF loses its CR), cut into
// pieces of at most 16,384 characters (what a stored line holds), decoded as UTF-8 across
// chunk boundaries. ANSI colour codes and "::group::" lines pass through untouched: the run
// page renders both. The whole run shares one output budget (100 MB by default); the first
// byte over it ends the output with a marker and tells the runner to stop the step.

export const DEFAULT_OUTPUT_LIMIT_BYTES = 100 * 1024 * 1024

export function truncationMarker(limitBytes: number): string {
  return `::error::Output truncated: this run wrote more than ${formatBytes(limitBytes)}; the rest was dropped and the run failed.`
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`

  return `${bytes} bytes`
}

/** The run's output budget, shared by its steps. */
export class OutputBudget {
  used = 0
  exceeded = false

  constructor(readonly limitBytes = DEFAULT_OUTPUT_LIMIT_BYTES) {}
}

type Stream = "stdout" | "stderr"

export class StepOutput {
  private readonly decoders = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  }
  private readonly partial = { stdout: "", stderr: "" }

  constructor(
    private readonly budget: OutputBudget,
    private readonly emit: (line: RunLogLine) => void,
    private readonly onLimit: () => void
  ) {}

  write(stream: Stream, chunk: Buffer): void {
    if (this.budget.exceeded) return
    let data = chunk
    const room = this.budget.limitBytes - this.budget.used
    const over = data.byteLength > room
    if (over) data = data.subarray(0, Math.max(0, room))
    this.budget.used += data.byteLength
    this.take(stream, this.decoders[stream].write(data))
    if (over) {
      this.budget.exceeded = true
      this.end()
      this.emit({
        stream: "system",
        line: truncationMarker(this.budget.limitBytes),
      })
      this.onLimit()
    }
  }

  /** The last unterminated line of each stream, at the step's end. */
  end(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end()
      this.partial[stream] = ""
      if (rest !== "") this.emitLine(stream, rest)
    }
  }

  private take(stream: Stream, text: string) {
    if (text === "") return
    const parts = (this.partial[stream] + text).split("\n")
    this.partial[stream] = parts.pop() ?? ""
    for (const part of parts) this.emitLine(stream, part)
    // A line that never ends must not grow without bound.
    while (this.partial[stream].length > MAX_LOG_LINE_CHARS) {
      this.emitLine(stream, this.partial[stream].slice(0, MAX_LOG_LINE_CHARS))
      this.partial[stream] = this.partial[stream].slice(MAX_LOG_LINE_CHARS)
    }
  }

  private emitLine(stream: Stream, raw: string) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    if (line === "") return this.emit({ stream, line })
    for (let start = 0; start < line.length; start += MAX_LOG_LINE_CHARS) {
      this.emit({ stream, line: line.slice(start, start + MAX_LOG_LINE_CHARS) })
    }
  }
}
