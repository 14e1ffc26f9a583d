"use client"

import * as React from "react"

import { cn } from "@/lib/utils"
import {
  Tooltip,
  TooltipContent,
  TooltipTrigger,
} from "@/components/ui/tooltip"

import { formatExactTime, formatRelativeTime } from "./format"

type RelativeTimeProps = Omit<React.ComponentProps<"time">, "children"> & {
  date: string
  now: number
}

/**
 * "3 minutes ago", with the exact time on hover and keyboard focus (and in `title` and
 * `dateTime` for assistive tech and copy-paste).
 */
export function RelativeTime({
  date,
  now,
  className,
  ...props
}: RelativeTimeProps) {
  const exact = formatExactTime(date)

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
          {formatRelativeTime(date, now)}
        </time>
      </TooltipTrigger>
      <TooltipContent suppressHydrationWarning>{exact}</TooltipContent>
    </Tooltip>
  )
}
