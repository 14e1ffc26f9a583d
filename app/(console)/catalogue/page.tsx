import type { Metadata } from "next"
import { Wrench } from "lucide-react"
import { z } from "zod"

import {
  ADVISORY_SEVERITIES,
  listAdvisories,
  listProjects,
  listTools,
  type CatalogueScope,
} from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { AdvisoryList } from "@/components/projects/advisory-list"
import { EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Catalogue" }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

/** The "project" filter's value for the catalogue's own rows; no slug can take it (no "_"). */
const CATALOGUE_ONLY = "_catalogue"

const filterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  project: z
    .union([z.literal(CATALOGUE_ONLY), z.string().regex(/^[a-z0-9-]{1,48}$/)])
    .optional()
    .catch(undefined),
  severity: z.enum(ADVISORY_SEVERITIES).optional().catch(undefined),
  dismissed: z.enum(["show"]).optional().catch(undefined),
})

const single = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value) || undefined

const SELECT =
  "h-9 rounded-md border border-input bg-transparent px-3 text-sm dark:bg-input/30"

export default async function CataloguePage({
  searchParams,
}: {
  searchParams: SearchParams
}) {
  const raw = await searchParams
  const filter = filterSchema.parse({
    q: single(raw.q),
    project: single(raw.project),
    severity: single(raw.severity),
    dismissed: single(raw.dismissed),
  })
  const supabase = await createClient()
  const projects = await listProjects(supabase)
  const project = projects.find(
    (candidate) => candidate.slug === filter.project
  )
  const scope: CatalogueScope =
    filter.project === CATALOGUE_ONLY
      ? { kind: "catalogue" }
      : project
        ? { kind: "project", projectId: project.id }
        : { kind: "all" }
  const [tools, advisories] = await Promise.all([
    listTools(supabase, { scope }),
    listAdvisories(supabase, { scope, openOnly: !filter.dismissed }),
  ])
  const names = new Map(projects.map((p) => [p.id, p.name]))
  const q = filter.q?.toLowerCase()
  const matches = (...values: string[]) =>
    !q || values.some((value) => value.toLowerCase().includes(q))
  const shownTools = tools.filter((tool) =>
    matches(tool.name, tool.kind, tool.version, tool.description)
  )
  const shownAdvisories = advisories.filter(
    (advisory) =>
      (!filter.severity || advisory.severity === filter.severity) &&
      matches(advisory.component, advisory.title, advisory.recommended_version)
  )
  const now = new Date().getTime()

  return (
    <>
      <PageHeader
        title="Catalogue"
        description="LMX Console's catalogue of the servers, runtimes and databases people run their models with, the tools your projects record with the versions in use, and the upgrade advisories about them."
      />
      <form
        method="get"
        className="flex flex-col gap-3 md:flex-row md:items-end"
      >
        <label className="flex flex-1 flex-col gap-1 text-sm">
          Search
          <Input
            name="q"
            defaultValue={filter.q}
            placeholder="node, postgres, 22.12…"
          />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Source
          <select
            name="project"
            defaultValue={filter.project ?? ""}
            className={SELECT}
          >
            <option value="">Catalogue and your projects</option>
            <option value={CATALOGUE_ONLY}>Catalogue only</option>
            {projects.map((p) => (
              <option key={p.id} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Severity
          <select
            name="severity"
            defaultValue={filter.severity ?? ""}
            className={SELECT}
          >
            <option value="">Any</option>
            {ADVISORY_SEVERITIES.map((severity) => (
              <option key={severity} value={severity}>
                {severity}
              </option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            name="dismissed"
            value="show"
            defaultChecked={!!filter.dismissed}
          />
          Include dismissed
        </label>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </form>
      {shownAdvisories.length > 0 ? (
        <AdvisoryList
          title="Upgrade advisories"
          advisories={shownAdvisories}
          projectNames={names}
          now={now}
        />
      ) : (
        <p className="text-sm text-muted-foreground">No advisories match.</p>
      )}
      <section aria-labelledby="tools-heading" className="space-y-3">
        <h2 id="tools-heading" className="text-lg font-semibold">
          Tools ({shownTools.length})
        </h2>
        {shownTools.length === 0 ? (
          <EmptyState
            icon={Wrench}
            title={tools.length ? "No tools match" : "No tools recorded"}
            description="Developers record the CLIs, services, runtimes and models a project's workflows use; the catalogue lists the common ones."
          />
        ) : (
          <ul className="divide-y rounded-xl border">
            {shownTools.map((tool) => (
              <li
                key={tool.id}
                className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-sm"
              >
                <span className="font-medium">{tool.name}</span>
                <Badge variant="secondary">{tool.kind}</Badge>
                <span className="font-mono text-xs">
                  {tool.version || "version unknown"}
                </span>
                <span className="text-xs text-muted-foreground">
                  {tool.project_id
                    ? names.get(tool.project_id)
                    : "LMX catalogue · latest"}
                </span>
                {!tool.enabled && <Badge variant="outline">Disabled</Badge>}
                {tool.description && (
                  <span className="basis-full text-xs text-muted-foreground">
                    {tool.description}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  )
}
