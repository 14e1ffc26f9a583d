import { describe, expect, it } from "vitest"

import {
  buildLogLayout,
  groupsAround,
  initiallyExpanded,
  visibleRows,
  type OutlineMarker,
} from "./log-outline"

const group = (line: number, name: string, attempt = 1): OutlineMarker => ({
  line_no: line,
  attempt,
  kind: "group",
  name,
})
const end = (line: number, attempt = 1): OutlineMarker => ({
  line_no: line,
  attempt,
  kind: "endgroup",
  name: null,
})
const last = (line: number): OutlineMarker => ({
  line_no: line,
  attempt: null,
  kind: "last",
  name: null,
})
const finished = (
  name: string,
  exit_code: number,
  duration_ms = 1200,
  index: number | null = null
) => ({
  kind: "step.finished",
  data: {
    index,
    name,
    exit_code,
    duration_ms,
    timed_out: false,
    canceled: false,
  },
})

describe("buildLogLayout", () => {
  it("nests groups as written and gives top-level groups their step's result", () => {
    const layout = buildLogLayout(
      [
        group(1, "Install"),
        group(3, "cache"),
        end(5),
        end(6),
        group(7, "Test"),
        end(10),
        last(11),
      ],
      [
        { kind: "started", data: {} },
        finished("Install", 0),
        finished("Test", 1, 4000),
      ]
    )
    expect(layout.lastLine).toBe(11)
    expect(layout.groups.get(3)).toMatchObject({
      depth: 1,
      parent: 1,
      end: 5,
      step: null,
    })
    expect(layout.groups.get(1)).toMatchObject({ end: 6, failed: false })
    expect(layout.groups.get(7)).toMatchObject({
      failed: true,
      step: expect.objectContaining({ exitCode: 1, durationMs: 4000 }),
    })
    // The failing step opens; a finished passing one stays folded.
    expect([...initiallyExpanded(layout)]).toEqual([7])
  })

  it("matches results to steps by index, whatever order they were reported in", () => {
    const layout = buildLogLayout(
      [group(1, "Build"), end(2), group(3, "Build"), end(4), last(4)],
      [
        { kind: "started", data: {} },
        finished("Build", 1, 500, 1),
        finished("Build", 0, 9000, 0),
      ]
    )
    expect(layout.groups.get(1)?.step).toMatchObject({
      durationMs: 9000,
      exitCode: 0,
    })
    expect(layout.groups.get(3)).toMatchObject({ failed: true })
  })

  it("opens the group still being written, with its parents", () => {
    const layout = buildLogLayout([
      group(1, "Build"),
      group(2, "compile"),
      last(4),
    ])
    expect([...initiallyExpanded(layout)].sort()).toEqual([1, 2])
  })

  it("closes what an attempt left open and matches steps per attempt", () => {
    const layout = buildLogLayout(
      [
        group(1, "Install"),
        { line_no: 3, attempt: 2, kind: "attempt", name: null },
        group(3, "Install", 2),
        end(5, 2),
        last(6),
      ],
      [
        { kind: "started", data: {} },
        { kind: "lease.requeued", data: {} },
        { kind: "started", data: {} },
        finished("Install", 0),
      ]
    )
    expect(layout.attempts).toBe(2)
    expect(layout.groups.get(1)).toMatchObject({
      end: null,
      attempt: 1,
      step: null,
    })
    expect(layout.groups.get(3)).toMatchObject({
      attempt: 2,
      end: 5,
      failed: false,
    })
    // Attempt separators before each attempt; the unclosed group folds up to its attempt's end.
    expect(visibleRows(layout, new Set())).toEqual([-1, 1, -2, 3, 6])
    expect(visibleRows(layout, new Set([1, 3]))).toEqual([
      -1, 1, 2, -2, 3, 4, 6,
    ])
  })
})

describe("visibleRows", () => {
  const layout = buildLogLayout([
    group(2, "A"),
    group(3, "B"),
    end(5),
    end(6),
    last(8),
  ])

  it("hides a folded group's lines and every closing line", () => {
    expect(visibleRows(layout, new Set())).toEqual([1, 2, 7, 8])
    expect(visibleRows(layout, new Set([2]))).toEqual([1, 2, 3, 7, 8])
    expect(visibleRows(layout, new Set([2, 3]))).toEqual([1, 2, 3, 4, 7, 8])
  })

  it("lays out a 100,000-line log from its outline", () => {
    const big = buildLogLayout([group(1, "Run"), end(100_000), last(100_001)])
    expect(visibleRows(big, new Set([1]))).toHaveLength(100_000)
  })
})

describe("groupsAround", () => {
  it("names the groups to unfold for a line, outermost first", () => {
    const layout = buildLogLayout([
      group(2, "A"),
      group(3, "B"),
      end(5),
      end(6),
      last(8),
    ])
    expect(groupsAround(layout, 4)).toEqual([2, 3])
    expect(groupsAround(layout, 6)).toEqual([])
    expect(groupsAround(layout, 3)).toEqual([2])
  })
})
