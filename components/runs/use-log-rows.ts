"use client"

import * as React from "react"

import {
  initiallyExpanded,
  visibleRows,
  type LogLayout,
} from "@/lib/runs/log-outline"

/**
 * Which groups are open and the rows that leaves. A group follows its default (open while it
 * is being written or when its step failed, folded otherwise) until the reader toggles it, so
 * a step that finishes while watched folds on its own unless the reader opened it.
 */
export function useLogRows(layout: LogLayout) {
  const [choices, setChoices] = React.useState<ReadonlyMap<number, boolean>>(
    () => new Map()
  )
  const expanded = React.useMemo(() => {
    const open = initiallyExpanded(layout)
    for (const [start, isOpen] of choices) {
      if (isOpen) open.add(start)
      else open.delete(start)
    }

    return open
  }, [layout, choices])
  const rows = React.useMemo(
    () => visibleRows(layout, expanded),
    [layout, expanded]
  )

  const toggle = React.useCallback(
    (start: number) =>
      setChoices((current) =>
        new Map(current).set(start, !expanded.has(start))
      ),
    [expanded]
  )
  const reveal = React.useCallback((starts: number[]) => {
    if (starts.length === 0) return
    setChoices((current) => {
      if (starts.every((start) => current.get(start) === true)) return current
      const next = new Map(current)
      for (const start of starts) next.set(start, true)

      return next
    })
  }, [])
  const isExpanded = React.useCallback(
    (start: number) => expanded.has(start),
    [expanded]
  )

  return { rows, isExpanded, toggle, reveal }
}
