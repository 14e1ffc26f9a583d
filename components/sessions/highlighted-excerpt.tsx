import * as React from "react"

import { splitHighlights } from "@/lib/sessions/highlight"
import { cn } from "@/lib/utils"

/**
 * A search excerpt with its matches marked, built as React nodes from text runs: synced
 * content never reaches the DOM as HTML (no dangerouslySetInnerHTML).
 */
export function HighlightedExcerpt({
  excerpt,
  className,
  ...props
}: Omit<React.ComponentProps<"span">, "children"> & { excerpt: string }) {
  return (
    <span className={cn("wrap-anywhere", className)} {...props}>
      {splitHighlights(excerpt).map((segment, index) =>
        segment.marked ? (
          <mark
            key={index}
            className="rounded-sm bg-yellow-200 px-0.5 text-foreground dark:bg-yellow-500/30"
          >
            {segment.text}
          </mark>
        ) : (
          <React.Fragment key={index}>{segment.text}</React.Fragment>
        )
      )}
    </span>
  )
}
