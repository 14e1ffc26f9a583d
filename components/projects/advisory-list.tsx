import { type Advisory } from "@/lib/projects/queries"
import { Badge } from "@/components/ui/badge"
import { RelativeTime } from "@/components/shared/relative-time"

export const SEVERITY_VARIANT = {
  critical: "destructive",
  high: "destructive",
  medium: "default",
  low: "secondary",
  info: "secondary",
} as const

export function AdvisoryList({
  title,
  advisories,
  projectNames,
  now,
}: {
  title: string
  advisories: Advisory[]
  /** Names by project id, to say whose advisory each is (the catalogue lists several projects). */
  projectNames?: Map<string, string>
  now: number
}) {
  return (
    <section aria-label={title} className="space-y-3">
      <h2 className="text-lg font-semibold">{title}</h2>
      <ul className="divide-y rounded-xl border">
        {advisories.map((advisory) => (
          <li key={advisory.id} className="space-y-1 px-4 py-3">
            <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
              <Badge variant={SEVERITY_VARIANT[advisory.severity]}>
                {advisory.severity}
              </Badge>
              <span className="break-words">{advisory.title}</span>
            </p>
            <p className="flex flex-wrap gap-x-3 text-xs text-muted-foreground">
              <span>
                {advisory.component} {advisory.current_version || "?"} →{" "}
                {advisory.recommended_version}
              </span>
              {projectNames && (
                <span>
                  {advisory.project_id
                    ? projectNames.get(advisory.project_id)
                    : "LMX catalogue"}
                </span>
              )}
              <span>
                Published{" "}
                <RelativeTime date={advisory.published_at} now={now} />
              </span>
              {advisory.dismissed_at && <span>Dismissed</span>}
              {advisory.url && (
                <a
                  href={advisory.url}
                  className="underline"
                  rel="noreferrer noopener"
                  target="_blank"
                >
                  Details
                </a>
              )}
            </p>
            {advisory.body && (
              <p className="text-sm whitespace-pre-line text-muted-foreground">
                {advisory.body}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
