import "server-only"

import { cache } from "react"
import { notFound } from "next/navigation"
import { z } from "zod"

import { createClient } from "@/lib/supabase/server"

import { getProjectBySlug, type ProjectSummary } from "./queries"

const slugParam = z.string().regex(/^[a-z0-9-]{1,48}$/)

/**
 * The project a /projects/[slug] page shows, read once per request however many layouts and
 * tabs ask. Not a member, no such slug and a malformed slug are all 404: the page does not
 * say which projects exist.
 */
export const getCurrentProject = cache(
  async (rawSlug: string): Promise<ProjectSummary> => {
    const parsed = slugParam.safeParse(rawSlug)
    if (!parsed.success) notFound()
    const supabase = await createClient()
    const project = await getProjectBySlug(supabase, { slug: parsed.data })
    if (!project) notFound()

    return project
  }
)
