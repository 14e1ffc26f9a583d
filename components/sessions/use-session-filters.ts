"use client"

import { parseAsString, useQueryStates } from "nuqs"

import {
  filtersToParams,
  parseSessionFilters,
  type SessionFilters,
} from "@/lib/sessions/filters"

// nuqs keeps the raw strings in the URL; parseSessionFilters (zod) decides what they mean, the
// same function the server page runs on searchParams, so both read a link alike.
const parsers = {
  q: parseAsString,
  view: parseAsString,
  device: parseAsString,
  model: parseAsString,
  project: parseAsString,
  from: parseAsString,
  to: parseAsString,
  tools: parseAsString,
}

/** The sessions page's filters, read from and written to the URL. */
export function useSessionFilters() {
  const [params, setParams] = useQueryStates(parsers, {
    history: "replace",
    // The list reads in the browser (React Query): no server round trip per change.
    shallow: true,
    scroll: false,
  })
  const filters = parseSessionFilters(params)

  const setFilters = (next: Partial<SessionFilters>) =>
    void setParams(filtersToParams({ ...filters, ...next }))

  return { filters, setFilters }
}
