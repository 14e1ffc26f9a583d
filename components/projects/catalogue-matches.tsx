import Link from "next/link"
import { TriangleAlert } from "lucide-react"

import { type CatalogueMatch } from "@/lib/projects/queries"
import { Badge } from "@/components/ui/badge"
import { RelativeTime } from "@/components/shared/relative-time"

import { SEVERITY_VARIANT } from "./advisory-list"

/**
 * The catalogue's advisories that concern a version this project records (a project overview's
 * highlight): the tool as recorded, the version to move to, and where to read more.
 */
export function CatalogueMatches({
  matches,
  now,
}: {
  matches: CatalogueMatch[]
  now: number
}) {
  return (
    <section
      aria-labelledby="catalogue-matches-heading"
      className="space-y-3 rounded-xl border border-amber-500/50 bg-amber-500/5 p-4"
    >
      <h2
        id="catalogue-matches-heading"
        className="flex items-center gap-2 text-lg font-semibold"
      >
        <TriangleAlert aria-hidden="true" className="size-5 text-amber-600" />
        The catalogue has advisories for versions this project records
      </h2>
      <ul className="space-y-2">
        {matches.map((match) => (
          <li
            key={`${match.advisory_id}:${match.tool_id}`}
            className="space-y-1 text-sm"
          >
            <p className="flex flex-wrap items-center gap-2 font-medium">
              <Badge variant={SEVERITY_VARIANT[match.severity]}>
                {match.severity}
              </Badge>
              <span className="break-words">{match.title}</span>
            </p>
            <p className="flex flex-wrap gap-x-3 text-xs text-muted-foreground">
              <span>
                {match.tool_name}{" "}
                <span className="font-mono">
                  {match.recorded_version || "?"}
                </span>{" "}
                recorded →{" "}
                <span className="font-mono">{match.recommended_version}</span>
              </span>
              <span>
                Published <RelativeTime date={match.published_at} now={now} />
              </span>
              {match.url && (
                <a
                  href={match.url}
                  className="underline"
                  rel="noreferrer noopener"
                  target="_blank"
                >
                  Details
                </a>
              )}
            </p>
          </li>
        ))}
      </ul>
      <p className="text-xs text-muted-foreground">
        <Link href="/catalogue" className="underline">
          Open the catalogue
        </Link>
      </p>
    </section>
  )
}
