"use client"

import * as React from "react"
import { Bot, ChevronLeft, ChevronRight, GitFork, User } from "lucide-react"

import { formatUsd } from "@/lib/format"
import type { SessionAttachment } from "@/lib/sessions/attachments"
import {
  formatDuration,
  formatTokensPerSecond,
  ROLE_LABELS,
} from "@/lib/sessions/session-format"
import { type SessionMessage } from "@/lib/sessions/session-queries"
import { type SiblingInfo } from "@/lib/sessions/session-tree"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { RelativeTime } from "@/components/shared/relative-time"

import { Markdown } from "./markdown"
import { MessageAttachments } from "./message-attachments"
import { ReasoningBlock, ToolCallCard, ToolResultCard } from "./tool-call-card"

export type MessageItemProps = {
  message: SessionMessage
  deviceName: string | null
  siblings: SiblingInfo | null
  /** How many branches continue from this message (more than one: a fork point). */
  forkCount: number
  /** Results of this message's tool calls, in call order, from the tool messages after it. */
  toolResults: string[]
  /** For a tool message: the name of the call it answers. */
  callName?: string
  highlighted: boolean
  now: number
  onSelectSibling: (key: string, id: string) => void
  /** The files the message carries (images inline, others as downloads). */
  attachments?: SessionAttachment[]
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <span className="inline-flex gap-1">
      <span className="text-muted-foreground/80">{label}</span>
      <span className="font-medium text-foreground/80 tabular-nums">
        {value}
      </span>
    </span>
  )
}

/** One message of the visible branch: who, what, and what it cost. */
export const MessageItem = React.memo(function MessageItem({
  message,
  deviceName,
  siblings,
  forkCount,
  toolResults,
  callName,
  highlighted,
  now,
  onSelectSibling,
  attachments,
}: MessageItemProps) {
  const headingId = `m-${message.id}-heading`
  const isAssistant = message.role === "assistant"
  const hasUsage =
    message.input_tokens > 0 ||
    message.output_tokens > 0 ||
    message.tokens_per_second != null ||
    message.time_to_first_token_ms != null

  return (
    <article
      id={`m-${message.id}`}
      aria-labelledby={headingId}
      data-highlighted={highlighted ? "true" : undefined}
      data-role={message.role}
      className={cn(
        "scroll-mt-24 rounded-xl border p-3 transition-shadow sm:p-4",
        message.role === "user" ? "bg-muted/40" : "bg-card",
        highlighted &&
          "ring-2 ring-primary ring-offset-2 ring-offset-background"
      )}
    >
      <header className="mb-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
        <h3
          id={headingId}
          className="flex items-center gap-1.5 text-sm font-semibold"
        >
          {isAssistant ? (
            <Bot className="size-4" aria-hidden="true" />
          ) : message.role === "user" ? (
            <User className="size-4" aria-hidden="true" />
          ) : null}
          {ROLE_LABELS[message.role]}
        </h3>
        {message.model ? (
          <span className="font-mono text-muted-foreground">
            {message.model}
          </span>
        ) : null}
        {deviceName ? (
          <span className="text-muted-foreground">on {deviceName}</span>
        ) : null}
        <span className="text-muted-foreground">
          <RelativeTime date={message.created_at} now={now} />
        </span>
        {siblings && siblings.count > 1 ? (
          <nav
            aria-label="Branches at this message"
            className="ml-auto flex items-center gap-1"
          >
            <Button
              variant="ghost"
              size="icon"
              className="size-7"
              disabled={!siblings.previous}
              aria-label="Previous branch"
              onClick={() =>
                siblings.previous &&
                onSelectSibling(siblings.key, siblings.previous)
              }
            >
              <ChevronLeft className="size-4" aria-hidden="true" />
            </Button>
            <span
              className="text-xs font-medium tabular-nums"
              aria-live="polite"
            >
              <span className="sr-only">Branch </span>
              {siblings.position} / {siblings.count}
            </span>
            <Button
              variant="ghost"
              size="icon"
              className="size-7"
              disabled={!siblings.next}
              aria-label="Next branch"
              onClick={() =>
                siblings.next && onSelectSibling(siblings.key, siblings.next)
              }
            >
              <ChevronRight className="size-4" aria-hidden="true" />
            </Button>
          </nav>
        ) : null}
      </header>

      {message.deleted_at ? (
        <p className="text-sm text-muted-foreground italic">
          This message was deleted.
        </p>
      ) : (
        <div className="space-y-2">
          {message.reasoning ? (
            <ReasoningBlock reasoning={message.reasoning} />
          ) : null}
          {message.role === "tool" ? (
            <ToolResultCard content={message.content} callName={callName} />
          ) : message.content ? (
            <Markdown>{message.content}</Markdown>
          ) : null}
          {(message.tool_calls ?? []).map((call, index) => (
            <ToolCallCard
              key={call.id ?? index}
              call={call}
              result={toolResults[index]}
            />
          ))}
          {attachments && attachments.length > 0 ? (
            <MessageAttachments attachments={attachments} />
          ) : null}
        </div>
      )}

      {hasUsage ? (
        <footer className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs">
          <Stat label="in" value={message.input_tokens.toLocaleString("en")} />
          <Stat
            label="out"
            value={message.output_tokens.toLocaleString("en")}
          />
          <Stat
            label="cached"
            value={message.cached_tokens.toLocaleString("en")}
          />
          {message.tokens_per_second != null ? (
            <Stat
              label="speed"
              value={formatTokensPerSecond(message.tokens_per_second)}
            />
          ) : null}
          {message.time_to_first_token_ms != null ? (
            <Stat
              label="first token"
              value={formatDuration(message.time_to_first_token_ms)}
            />
          ) : null}
          <Stat label="cost" value={formatUsd(message.cost_usd)} />
        </footer>
      ) : null}

      {forkCount > 1 ? (
        <p className="mt-3 flex items-center gap-1.5 border-t pt-2 text-xs font-medium text-primary">
          <GitFork className="size-3.5" aria-hidden="true" />
          Fork point: {forkCount} branches continue from here
        </p>
      ) : null}
    </article>
  )
})
