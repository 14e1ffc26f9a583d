"use client"

import * as React from "react"
import { useRouter, useSearchParams } from "next/navigation"

import { usageHref } from "./usage-url"

/**
 * With no reporting timezone saved, the page first renders in UTC; this puts the browser's
 * timezone into the URL (the server cannot know it) and the page re-renders in it.
 */
export function BrowserTimezone() {
  const router = useRouter()
  const search = useSearchParams()
  React.useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
    if (zone && !search.get("tz")) {
      router.replace(usageHref(search.toString(), { tz: zone }), {
        scroll: false,
      })
    }
  }, [router, search])

  return null
}
