import { describe, expect, it } from "vitest"

import { type RunLogLine } from "@/lib/devices/runs-schema"

import { createFakeClock } from "./fake-clock"
import { FLUSH_AFTER_MS, FLUSH_AT_BYTES, LogBatcher } from "./log-batcher"

const line = (text: string): RunLogLine => ({ line: text, stream: "stdout" })

function setup() {
  const clock = createFakeClock()
  const sent: RunLogLine[][] = []
  const batcher = new LogBatcher({
    clock,
    send: async (lines) => {
      sent.push(lines)
    },
  })

  return { clock, sent, batcher }
}

describe("LogBatcher", () => {
  it("sends a batch 100 ms after its first line, not before", async () => {
    const { clock, sent, batcher } = setup()
    expect(FLUSH_AFTER_MS).toBe(100)
    batcher.push(line("a"))
    clock.advance(75)
    batcher.push(line("b"))
    clock.advance(FLUSH_AFTER_MS - 76)
    await Promise.resolve()
    expect(sent).toEqual([])
    clock.advance(1)
    await batcher.flush()
    expect(sent).toEqual([[line("a"), line("b")]])
  })

  it("sends at once when 64 KB are waiting", async () => {
    const { sent, batcher } = setup()
    const big = "x".repeat(16 * 1024)
    for (let i = 0; i < 3; i++) batcher.push(line(big))
    await Promise.resolve()
    expect(sent).toEqual([])
    batcher.push(line(big))
    await batcher.flush()
    expect(sent).toHaveLength(1)
    expect(sent[0]!.reduce((n, l) => n + l.line.length, 0)).toBe(FLUSH_AT_BYTES)
  })

  it("keeps order: lines written while a batch is in flight go in the next one", async () => {
    const clock = createFakeClock()
    const sent: string[][] = []
    let release: () => void = () => {}
    const batcher = new LogBatcher({
      clock,
      send: (lines) =>
        new Promise<void>((resolve) => {
          sent.push(lines.map((l) => l.line))
          release = resolve
        }),
    })
    batcher.push(line("1"))
    clock.advance(FLUSH_AFTER_MS)
    await Promise.resolve()
    batcher.push(line("2"))
    clock.advance(FLUSH_AFTER_MS)
    await Promise.resolve()
    expect(sent).toEqual([["1"]])
    release()
    await new Promise((resolve) => setImmediate(resolve))
    expect(sent).toEqual([["1"], ["2"]])
    release()
    await batcher.flush()
  })

  it("stops sending after a failure and hands the unsent lines back", async () => {
    const clock = createFakeClock()
    const failures: string[][] = []
    let calls = 0
    const batcher = new LogBatcher({
      clock,
      send: async () => {
        calls += 1
        throw new Error("lease lost")
      },
      onError: (_error, lines) => failures.push(lines.map((l) => l.line)),
    })
    batcher.push(line("a"))
    await batcher.flush()
    batcher.push(line("b"))
    await batcher.flush()
    expect(calls).toBe(1)
    expect(failures).toEqual([["a"]])
  })

  it("leaves no timer behind after a flush", async () => {
    const { clock, batcher } = setup()
    batcher.push(line("a"))
    expect(clock.pending()).toBe(1)
    await batcher.flush()
    expect(clock.pending()).toBe(0)
  })
})

describe("LogBatcher.discard", () => {
  it("drops waiting lines and sends nothing afterwards", async () => {
    const { clock, sent, batcher } = setup()
    batcher.push(line("a"))
    batcher.discard()
    batcher.push(line("b"))
    clock.advance(FLUSH_AFTER_MS * 2)
    await batcher.flush()
    expect(sent).toEqual([])
  })
})
