"use client"

import * as React from "react"
import { useQueryStates } from "nuqs"

import {
  toParamValues,
  usageLink,
  usageParams,
  type UsageParamChanges,
} from "@/lib/usage/url"

/**
 * The /usage page's range, timezone, filters and stacking, read from and written to the URL
 * through nuqs (as /sessions does). Not shallow: the page's figures are computed on the
 * server, so a change renders it again; `pending` is true meanwhile.
 */
export function useUsageParams() {
  const [pending, startTransition] = React.useTransition()
  const [params, setParams] = useQueryStates(usageParams, {
    history: "push",
    shallow: false,
    scroll: false,
    startTransition,
  })

  const setUsageParams = (
    changes: UsageParamChanges,
    options?: { history?: "push" | "replace" }
  ) => setParams(toParamValues(changes), options)

  const current = new URLSearchParams(
    Object.entries(params).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string"
    )
  )

  return {
    params,
    setUsageParams,
    pending,
    exportHref: usageLink(current, {}, "/usage/export"),
  }
}
