import { StringDecoder } from "node:string_decoder"

import { MAX_LOG_LINE_CHARS, type RunLogLine } from "@/lib/devices/runs-schema"

// A step's stdout and stderr as log lines: split on newlines (a CRLF loses its CR), cut into
// pieces of at most 16,384 characters (what a stored line holds), decoded as UTF-8 across
// chunk boundaries. ANSI colour codes pass through untouched: the run page renders them. A
// step's own "::group::<name>" and "::endgroup::" lines become group markers (the "system"
// stream, which is what the run page's outline reads), nested in the step's group: an
// "::endgroup::" with no group of the step's open stays text, so a step cannot close the
// worker's group, and the groups a step leaves open are closed at its end. The whole run
// shares one output budget (100 MB by default); the first byte over it ends the output with
// a marker and tells the runner to stop the step.

export const DEFAULT_OUTPUT_LIMIT_BYTES = 100 * 1024 * 1024

const GROUP_START = "::group::"
const GROUP_END = "::endgroup::"

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
  /** The step's own groups still open. */
  private openGroups = 0

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
    for (; this.openGroups > 0; this.openGroups -= 1)
      this.emit({ stream: "system", line: GROUP_END })
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
    if (line.startsWith(GROUP_START) && line.length <= MAX_LOG_LINE_CHARS) {
      this.openGroups += 1
      return this.emit({ stream: "system", line })
    }
    if (line === GROUP_END && this.openGroups > 0) {
      this.openGroups -= 1
      return this.emit({ stream: "system", line })
    }
    for (let start = 0; start < line.length; start += MAX_LOG_LINE_CHARS) {
      this.emit({ stream, line: line.slice(start, start + MAX_LOG_LINE_CHARS) })
    }
  }
}
