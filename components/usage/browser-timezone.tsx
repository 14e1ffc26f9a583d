"use client"

import * as React from "react"

import { useUsageParams } from "./use-usage-params"

/**
 * With no reporting timezone saved, the page first renders in UTC; this puts the browser's
 * timezone into the URL (the server cannot know it) and the page re-renders in it.
 */
export function BrowserTimezone() {
  const { params, setUsageParams } = useUsageParams()
  const hasZone = Boolean(params.tz)
  React.useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
    if (zone && !hasZone)
      void setUsageParams({ tz: zone }, { history: "replace" })
    // Once, when the URL has no timezone; setUsageParams changes identity each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hasZone])

  return null
}
