"use client"

import * as React from "react"
import { usePathname } from "next/navigation"
import { useQuery } from "@tanstack/react-query"
import { parseAsString, useQueryStates } from "nuqs"
import { z } from "zod"

import { createClient } from "@/lib/supabase/client"

// The pages a project filters: each reads `?project=<slug>` (docs/projects.md).
const FILTERED_SECTIONS = ["/sessions", "/runs", "/usage"]

const projectOptionsSchema = z.array(
  z.object({ slug: z.string(), name: z.string() })
)

/**
 * Picks the project Sessions, Runs and Usage show, kept in the URL as `?project=<slug>` so a
 * filtered page can be shared and survives a reload. Only rendered on those pages.
 */
export function ProjectSwitcher() {
  const pathname = usePathname()
  const visible = FILTERED_SECTIONS.some(
    (section) => pathname === section || pathname.startsWith(`${section}/`)
  )
  if (!visible) return null

  return (
    <React.Suspense fallback={null}>
      <ProjectSelect />
    </React.Suspense>
  )
}

// A page cursor belongs to the old filter, so a change clears it with the project.
const switcherParams = {
  project: parseAsString,
  before: parseAsString,
  cursor: parseAsString,
}

function ProjectSelect() {
  // Not shallow: the filtered pages read the project on the server.
  const [{ project }, setParams] = useQueryStates(switcherParams, {
    history: "push",
    shallow: false,
  })
  const current = project ?? ""
  const { data: projects = [] } = useQuery({
    queryKey: ["projects", "switcher"],
    queryFn: async () => {
      const { data, error } = await createClient()
        .schema("ops")
        .from("projects")
        .select("slug, name")
        .order("name")
        .limit(200)
      if (error)
        throw new Error(`project switcher: ${error.code} ${error.message}`)
      return projectOptionsSchema.parse(data)
    },
    staleTime: 60_000,
  })

  function handleChange(event: React.ChangeEvent<HTMLSelectElement>) {
    void setParams({
      project: event.target.value || null,
      before: null,
      cursor: null,
    })
  }

  return (
    <label className="flex min-w-0 items-center gap-2 text-sm">
      <span className="sr-only sm:not-sr-only sm:text-muted-foreground">
        Project
      </span>
      <select
        value={current}
        onChange={handleChange}
        className="h-8 max-w-32 min-w-0 rounded-md border border-input bg-transparent px-2 text-sm sm:max-w-40 dark:bg-input/30"
      >
        <option value="">All projects</option>
        {projects.map((project) => (
          <option key={project.slug} value={project.slug}>
            {project.name}
          </option>
        ))}
        {current && !projects.some((project) => project.slug === current) && (
          <option value={current}>{current}</option>
        )}
      </select>
    </label>
  )
}
