"use client"

import { parseAsString, useQueryStates } from "nuqs"

import {
  parseRunFilters,
  runFiltersToParams,
  type RunFilters,
} from "@/lib/runs/filters"

// nuqs keeps the raw strings in the URL; parseRunFilters (zod) decides what they mean, the
// same function the server page runs on searchParams, so both read a link alike. `project`
// is the header switcher's `?project=<slug>`.
const parsers = {
  status: parseAsString,
  project: parseAsString,
  workflow: parseAsString,
  kind: parseAsString,
  device: parseAsString,
  by: parseAsString,
  from: parseAsString,
  to: parseAsString,
}

/** The runs page's filters, read from and written to the URL. */
export function useRunFilters() {
  const [params, setParams] = useQueryStates(parsers, {
    history: "replace",
    // The list reads in the browser (React Query): no server round trip per change.
    shallow: true,
    scroll: false,
  })
  const filters = parseRunFilters(params)

  const setFilters = (next: Partial<RunFilters>) =>
    void setParams(runFiltersToParams({ ...filters, ...next }))

  return { filters, setFilters }
}
