import * as React from "react"

import { cn } from "@/lib/utils"

/**
 * A titled list of a few recent items with a count above it; the pages of domains whose full
 * views come later use it to show what the database holds.
 */
export function RecentList({
  title,
  summary,
  className,
  children,
  ...props
}: Omit<React.ComponentProps<"section">, "title"> & {
  title: string
  summary: React.ReactNode
}) {
  const titleId = React.useId()

  return (
    <section
      aria-labelledby={titleId}
      className={cn("min-w-0 space-y-3", className)}
      {...props}
    >
      <div className="space-y-1">
        <h2 id={titleId} className="text-lg font-semibold">
          {title}
        </h2>
        <p className="text-sm text-muted-foreground">{summary}</p>
      </div>
      <ul className="divide-y rounded-xl border">{children}</ul>
    </section>
  )
}

/** One row: a title that truncates (full text on hover) and a line of facts that wraps. */
export function RecentListItem({
  title,
  facts,
  aside,
  className,
  ...props
}: Omit<React.ComponentProps<"li">, "title"> & {
  title: string
  facts: React.ReactNode
  aside?: React.ReactNode
}) {
  return (
    <li
      className={cn("flex min-w-0 items-start gap-3 px-4 py-3", className)}
      {...props}
    >
      <div className="min-w-0 flex-1 space-y-1">
        <p className="truncate text-sm font-medium" title={title}>
          {title}
        </p>
        <div className="flex min-w-0 flex-wrap gap-x-3 gap-y-1 text-xs wrap-anywhere text-muted-foreground">
          {facts}
        </div>
      </div>
      {aside}
    </li>
  )
}

/** A user-supplied value among the facts: one line, cut short, whole on hover. */
export function Fact({
  text,
  className,
  ...props
}: React.ComponentProps<"span"> & { text: string }) {
  return (
    <span
      className={cn("max-w-full truncate", className)}
      title={text}
      {...props}
    >
      {text}
    </span>
  )
}
