"use client"

import * as React from "react"

import { formatExactTime, formatRelativeTime } from "@/lib/format"
import { cn } from "@/lib/utils"
import {
  Tooltip,
  TooltipContent,
  TooltipTrigger,
} from "@/components/ui/tooltip"

type RelativeTimeProps = Omit<React.ComponentProps<"time">, "children"> & {
  date: string
  now: number
  /** For deadlines ("expires in 9 minutes"); otherwise a moment ahead of `now` is "just now". */
  allowFuture?: boolean
}

/**
 * "3 minutes ago", with the exact time on hover and keyboard focus (and in `title` and
 * `dateTime` for assistive tech and copy-paste).
 */
export function RelativeTime({
  date,
  now,
  allowFuture = false,
  className,
  ...props
}: RelativeTimeProps) {
  const exact = formatExactTime(date)
  // Events newer than the last tick of `now` (or stamped by a slightly fast clock) happened,
  // so they cannot be "in 8 seconds".
  const reference = allowFuture ? now : Math.max(now, Date.parse(date) || now)

  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <time
          dateTime={date}
          title={exact}
          tabIndex={0}
          className={cn(
            "cursor-help rounded-sm underline decoration-dotted underline-offset-4 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
            className
          )}
          // The server renders in UTC and the browser in the viewer's zone; the browser wins.
          suppressHydrationWarning
          {...props}
        >
          {formatRelativeTime(date, reference)}
        </time>
      </TooltipTrigger>
      <TooltipContent suppressHydrationWarning>{exact}</TooltipContent>
    </Tooltip>
  )
}
