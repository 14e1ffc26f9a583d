"use client"

import * as React from "react"
import { GitBranch } from "lucide-react"

import { excerpt, ROLE_LABELS } from "@/lib/sessions/session-format"
import { type SessionMessage } from "@/lib/sessions/session-queries"
import {
  type MessageTree,
  type OutlineSegment,
} from "@/lib/sessions/session-tree"
import { cn } from "@/lib/utils"

type BranchOutlineProps = {
  tree: MessageTree<SessionMessage>
  outline: OutlineSegment[]
  forks: number
  /** Ids on the visible branch, to mark where the reader is. */
  visible: ReadonlySet<string>
  onOpen: (id: string) => void
}

function Segment({
  segment,
  tree,
  visible,
  onOpen,
}: {
  segment: OutlineSegment
} & Omit<BranchOutlineProps, "outline" | "forks">) {
  const first = tree.byId.get(segment.firstId)
  if (!first) return null
  const isVisible = visible.has(segment.firstId)

  return (
    <li className="space-y-1">
      <button
        type="button"
        onClick={() => onOpen(segment.firstId)}
        aria-current={isVisible ? "true" : undefined}
        className={cn(
          "flex w-full min-w-0 items-baseline gap-2 rounded-md px-2 py-1 text-left text-xs outline-none hover:bg-accent focus-visible:ring-[3px] focus-visible:ring-ring/50",
          isVisible && "bg-accent/60 font-medium"
        )}
      >
        {/* Where the stretch starts along its conversation, and which alternative it is at
            its fork (the n / m of the switcher), not the message's storage index. */}
        <span
          className="shrink-0 text-muted-foreground tabular-nums"
          title={`Message ${segment.depth.toLocaleString("en")} of the conversation${segment.branch.count > 1 ? `, branch ${segment.branch.position} of ${segment.branch.count}` : ""}`}
        >
          {segment.depth.toLocaleString("en")}
          {segment.branch.count > 1
            ? ` · ${segment.branch.position}/${segment.branch.count}`
            : ""}
        </span>
        <span className="min-w-0 flex-1 truncate">
          {ROLE_LABELS[first.role]}:{" "}
          {first.deleted_at
            ? "deleted message"
            : excerpt(first.content || first.reasoning || "", 70) ||
              "(no text)"}
        </span>
        <span className="shrink-0 text-muted-foreground">
          {segment.length.toLocaleString("en")} msg
        </span>
      </button>
      {segment.children.length > 0 ? (
        <ul className="ml-3 space-y-1 border-l pl-2">
          {segment.children.map((child) => (
            <Segment
              key={child.firstId}
              segment={child}
              tree={tree}
              visible={visible}
              onOpen={onOpen}
            />
          ))}
        </ul>
      ) : null}
    </li>
  )
}

/** The whole tree of a branched session: every stretch between forks, one click away. */
export function BranchOutline({
  tree,
  outline,
  forks,
  visible,
  onOpen,
}: BranchOutlineProps) {
  return (
    <details className="rounded-xl border bg-card [&[open]>summary]:border-b">
      <summary className="flex cursor-pointer items-center gap-2 px-4 py-3 text-sm font-medium outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50">
        <GitBranch className="size-4" aria-hidden="true" />
        Branches
        <span className="font-normal text-muted-foreground">
          {forks.toLocaleString("en")} fork{forks === 1 ? "" : "s"}; the
          highlighted path is the one shown
        </span>
      </summary>
      <nav aria-label="Branch outline" className="max-h-96 overflow-y-auto p-2">
        <ul className="space-y-1">
          {outline.map((segment) => (
            <Segment
              key={segment.firstId}
              segment={segment}
              tree={tree}
              visible={visible}
              onOpen={onOpen}
            />
          ))}
        </ul>
      </nav>
    </details>
  )
}
