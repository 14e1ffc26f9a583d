"use client"

import * as React from "react"

import {
  Tooltip,
  TooltipContent,
  TooltipTrigger,
} from "@/components/ui/tooltip"

/**
 * Wraps a control the role cannot use: the control is disabled, and the reason shows on
 * hover and keyboard focus (a disabled button gets neither, so the wrapper takes focus).
 */
export function DeniedHint({
  reason,
  children,
}: {
  /** Null when the action is allowed: the control renders as is. */
  reason: string | null
  children: React.ReactNode
}) {
  if (!reason) return <>{children}</>

  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          tabIndex={0}
          className="inline-flex rounded-md"
          aria-label={reason}
        >
          {children}
        </span>
      </TooltipTrigger>
      <TooltipContent>{reason}</TooltipContent>
    </Tooltip>
  )
}
