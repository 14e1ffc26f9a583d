import { describe, expect, it } from "vitest"

import {
  buildMessageTree,
  countForks,
  defaultChild,
  outlineTree,
  ROOT,
  selectionShowing,
  siblingInfo,
  visiblePath,
  type TreeMessage,
} from "./session-tree"

function at(minute: number) {
  return new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString()
}

function message(
  id: string,
  parent: string | null,
  index: number,
  minute: number
): TreeMessage {
  return { id, parent_id: parent, message_index: index, created_at: at(minute) }
}

// u1 ─┬─ a1a ─┬─ u2 ── a2 ── u3 ─┬─ a3a ── u4
//     │       └─ u2b              └─ a3b
//     ├─ a1b
//     └─ a1c
const BRANCHED = [
  message("u1", null, 0, 0),
  message("a1a", "u1", 1, 1),
  message("a1b", "u1", 1, 3),
  message("a1c", "u1", 1, 5),
  message("u2", "a1a", 2, 8),
  message("u2b", "a1a", 2, 12),
  message("a2", "u2", 3, 9),
  message("u3", "a2", 4, 16),
  message("a3a", "u3", 5, 17),
  message("a3b", "u3", 5, 19),
  message("u4", "a3a", 6, 30),
]

const ids = (list: readonly TreeMessage[]) => list.map((m) => m.id)

describe("buildMessageTree and visiblePath", () => {
  it("follows, at each fork, the branch written to last", () => {
    const tree = buildMessageTree(BRANCHED)
    expect(ids(visiblePath(tree))).toEqual([
      "u1",
      "a1a",
      "u2",
      "a2",
      "u3",
      "a3a",
      "u4",
    ])
    expect(defaultChild(tree, "u1")).toBe("a1a")
    expect(countForks(tree)).toBe(3)
  })

  it("orders siblings by index, then time, whatever order the rows came in", () => {
    const tree = buildMessageTree([...BRANCHED].reverse())
    expect(tree.children.get("u1")).toEqual(["a1a", "a1b", "a1c"])
  })

  it("switches branch at a fork and ends where that branch ends", () => {
    const tree = buildMessageTree(BRANCHED)
    expect(ids(visiblePath(tree, { u1: "a1c" }))).toEqual(["u1", "a1c"])
    expect(ids(visiblePath(tree, { a1a: "u2b" }))).toEqual(["u1", "a1a", "u2b"])
    // A choice that is not a child there (stale after a refetch) falls back to the default.
    expect(ids(visiblePath(tree, { u1: "u4" }))[1]).toBe("a1a")
  })

  it("treats a message whose parent is missing as a root, and several roots as a fork", () => {
    const tree = buildMessageTree([
      message("x", null, 0, 0),
      message("y", "not-synced-yet", 0, 2),
      message("z", "y", 1, 3),
    ])
    expect(tree.children.get(ROOT)).toEqual(["x", "y"])
    expect(ids(visiblePath(tree))).toEqual(["y", "z"])
    expect(siblingInfo(tree, "x")).toMatchObject({ position: 1, count: 2 })
  })

  it("survives a cycle of parent ids and still shows every message", () => {
    const tree = buildMessageTree([
      message("a", "c", 0, 0),
      message("b", "a", 1, 1),
      message("c", "b", 2, 2),
      message("self", "self", 0, 5),
    ])
    const outlined = outlineTree(tree)
    const seen = new Set<string>()
    const walk = (segments: typeof outlined) => {
      for (const segment of segments) {
        let id: string | undefined = segment.firstId
        for (let i = 0; i < segment.length && id; i++) {
          seen.add(id)
          id = tree.children.get(id)?.[0]
        }
        walk(segment.children)
      }
    }
    walk(outlined)
    expect([...seen].sort()).toEqual(["a", "b", "c", "self"])
  })

  it("builds a 5,000-message chain without recursion", () => {
    const chain = Array.from({ length: 5000 }, (_, k) =>
      message(`m${k}`, k === 0 ? null : `m${k - 1}`, k, k % 60)
    )
    const tree = buildMessageTree(chain)
    expect(visiblePath(tree)).toHaveLength(5000)
    expect(outlineTree(tree)).toEqual([
      {
        firstId: "m0",
        lastId: "m4999",
        length: 5000,
        depth: 1,
        branch: { position: 1, count: 1 },
        children: [],
      },
    ])
  })
})

describe("siblingInfo", () => {
  it("gives n / m and the neighbours at a fork, and 1 / 1 elsewhere", () => {
    const tree = buildMessageTree(BRANCHED)
    expect(siblingInfo(tree, "a1b")).toEqual({
      position: 2,
      count: 3,
      key: "u1",
      previous: "a1a",
      next: "a1c",
    })
    expect(siblingInfo(tree, "a1a")).toMatchObject({
      position: 1,
      previous: null,
      next: "a1b",
    })
    expect(siblingInfo(tree, "a2")).toMatchObject({ position: 1, count: 1 })
    expect(siblingInfo(tree, "missing")).toBeNull()
  })
})

describe("selectionShowing", () => {
  it("chooses every fork on the way to a message on another branch (deep links)", () => {
    const tree = buildMessageTree(BRANCHED)
    const selection = selectionShowing(tree, "a3b")
    expect(ids(visiblePath(tree, selection))).toEqual([
      "u1",
      "a1a",
      "u2",
      "a2",
      "u3",
      "a3b",
    ])
    const other = selectionShowing(tree, "u2b", selection)
    expect(ids(visiblePath(tree, other))).toEqual(["u1", "a1a", "u2b"])
    expect(selectionShowing(tree, "nope", selection)).toBe(selection)
  })
})

describe("outlineTree", () => {
  it("cuts the tree into stretches between forks, siblings in order, each with its place in the conversation and at its fork", () => {
    const tree = buildMessageTree(BRANCHED)
    expect(outlineTree(tree)).toEqual([
      {
        firstId: "u1",
        lastId: "u1",
        length: 1,
        depth: 1,
        branch: { position: 1, count: 1 },
        children: [
          {
            firstId: "a1a",
            lastId: "a1a",
            length: 1,
            depth: 2,
            branch: { position: 1, count: 3 },
            children: [
              {
                firstId: "u2",
                lastId: "u3",
                length: 3,
                depth: 3,
                branch: { position: 1, count: 2 },
                children: [
                  {
                    firstId: "a3a",
                    lastId: "u4",
                    length: 2,
                    depth: 6,
                    branch: { position: 1, count: 2 },
                    children: [],
                  },
                  {
                    firstId: "a3b",
                    lastId: "a3b",
                    length: 1,
                    depth: 6,
                    branch: { position: 2, count: 2 },
                    children: [],
                  },
                ],
              },
              {
                firstId: "u2b",
                lastId: "u2b",
                length: 1,
                depth: 3,
                branch: { position: 2, count: 2 },
                children: [],
              },
            ],
          },
          {
            firstId: "a1b",
            lastId: "a1b",
            length: 1,
            depth: 2,
            branch: { position: 2, count: 3 },
            children: [],
          },
          {
            firstId: "a1c",
            lastId: "a1c",
            length: 1,
            depth: 2,
            branch: { position: 3, count: 3 },
            children: [],
          },
        ],
      },
    ])
  })
})
