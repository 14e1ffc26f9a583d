"use client"

import * as React from "react"
import { ChevronRight, Wrench } from "lucide-react"

import { describeToolCall, prettyJson } from "@/lib/sessions/export-format"
import { type ToolCall } from "@/lib/sessions/session-queries"
import { cn } from "@/lib/utils"

import { CodeBlock } from "./code-block"

function Disclosure({
  summary,
  children,
  className,
}: {
  summary: React.ReactNode
  children: React.ReactNode
  className?: string
}) {
  return (
    <details
      className={cn(
        "group/disclosure rounded-lg border bg-card text-sm [&[open]>summary>svg.chevron]:rotate-90",
        className
      )}
    >
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-lg px-3 py-2 outline-none select-none hover:bg-accent/50 focus-visible:ring-[3px] focus-visible:ring-ring/50 [&::-webkit-details-marker]:hidden">
        <ChevronRight
          className="chevron size-4 shrink-0 text-muted-foreground transition-transform"
          aria-hidden="true"
        />
        {summary}
      </summary>
      <div className="border-t px-3 py-2">{children}</div>
    </details>
  )
}

/** A tool call: its name, and (opened) its arguments and the result it got back. */
export function ToolCallCard({
  call,
  result,
}: {
  call: ToolCall
  /** The content of the tool message that answered it, when the session has one. */
  result?: string
}) {
  const described = describeToolCall(call)
  const shownResult = described.result ?? (result ? prettyJson(result) : null)

  return (
    <Disclosure
      summary={
        <>
          <Wrench
            className="size-4 shrink-0 text-muted-foreground"
            aria-hidden="true"
          />
          <span className="text-muted-foreground">Tool call</span>
          <code className="min-w-0 truncate font-mono font-medium">
            {described.name}
          </code>
        </>
      }
    >
      <p className="text-xs font-medium text-muted-foreground">Arguments</p>
      {described.arguments ? (
        <CodeBlock code={described.arguments} language="json" />
      ) : (
        <p className="my-2 text-muted-foreground">No arguments.</p>
      )}
      <p className="text-xs font-medium text-muted-foreground">Result</p>
      {shownResult ? (
        <CodeBlock code={shownResult} language="json" />
      ) : (
        <p className="my-2 text-muted-foreground">
          No result was synced for this call.
        </p>
      )}
    </Disclosure>
  )
}

/** A tool message (the result a tool sent back), collapsed to one line until opened. */
export function ToolResultCard({
  content,
  callName,
}: {
  content: string
  callName?: string
}) {
  return (
    <Disclosure
      summary={
        <>
          <Wrench
            className="size-4 shrink-0 text-muted-foreground"
            aria-hidden="true"
          />
          <span className="text-muted-foreground">Result of</span>
          <code className="min-w-0 truncate font-mono font-medium">
            {callName ?? "a tool"}
          </code>
        </>
      }
    >
      <CodeBlock code={prettyJson(content)} language="json" />
    </Disclosure>
  )
}

/** The model's reasoning, collapsed: most readers want the answer first. */
export function ReasoningBlock({ reasoning }: { reasoning: string }) {
  return (
    <Disclosure
      className="bg-muted/30"
      summary={
        <span className="text-muted-foreground">
          Reasoning{" "}
          <span className="text-xs">
            (
            {reasoning.split(/\s+/).filter(Boolean).length.toLocaleString("en")}{" "}
            words)
          </span>
        </span>
      }
    >
      <p className="text-sm wrap-anywhere whitespace-pre-wrap text-muted-foreground">
        {reasoning}
      </p>
    </Disclosure>
  )
}
