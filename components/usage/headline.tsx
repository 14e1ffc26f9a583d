import { formatCount, formatUsd } from "@/lib/format"
import { change, derive, type UsageTotals } from "@/lib/usage/dashboard"
import { changeText } from "@/lib/usage/wording"
import { cn } from "@/lib/utils"

type Figure = {
  label: string
  value: string
  delta: number | null
  /** For cost, up is bad; for savings, up is good. */
  upIsGood?: boolean
}

/** The range's headline figures, each with its change against the range before. */
export function Headline({
  totals,
  previous,
  sessions,
  className,
}: {
  totals: UsageTotals
  previous: UsageTotals
  /** Sessions active in the range and in the one before. */
  sessions: { current: number; previous: number }
  className?: string
}) {
  const now = derive(totals)
  const before = derive(previous)
  const figures: Figure[] = [
    {
      label: "Cost",
      value: formatUsd(totals.cost),
      delta: change(totals.cost, previous.cost),
    },
    {
      label: "Input tokens",
      value: formatCount(totals.input),
      delta: change(totals.input, previous.input),
    },
    {
      label: "Output tokens",
      value: formatCount(totals.output),
      delta: change(totals.output, previous.output),
    },
    {
      label: "Cached tokens",
      value: formatCount(totals.cached),
      delta: change(totals.cached, previous.cached),
    },
    {
      label: "Messages",
      value: formatCount(totals.messages),
      delta: change(totals.messages, previous.messages),
    },
    {
      label: "Sessions",
      value: formatCount(sessions.current),
      delta: change(sessions.current, sessions.previous),
    },
    {
      label: "Avg tokens/s",
      value:
        now.tokensPerSecond === null ? "—" : now.tokensPerSecond.toFixed(1),
      delta:
        now.tokensPerSecond === null || before.tokensPerSecond === null
          ? null
          : change(now.tokensPerSecond, before.tokensPerSecond),
      upIsGood: true,
    },
    {
      label: "Local hardware cost",
      value: formatUsd(totals.local),
      delta: change(totals.local, previous.local),
    },
    {
      label: "Cloud equivalent",
      value: formatUsd(totals.cloud),
      delta: change(totals.cloud, previous.cloud),
    },
    {
      label: "Savings",
      value: now.savings === null ? "—" : formatUsd(now.savings),
      delta:
        now.savings === null || before.savings === null
          ? null
          : change(now.savings, before.savings),
      upIsGood: true,
    },
  ]

  return (
    <dl
      className={cn(
        "grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5",
        className
      )}
    >
      {figures.map((figure) => (
        <div key={figure.label} className="rounded-xl border p-3">
          <dt className="text-xs text-muted-foreground">{figure.label}</dt>
          <dd className="text-xl font-semibold tabular-nums">{figure.value}</dd>
          <dd className="text-xs text-muted-foreground">
            {changeText(figure.delta)} vs previous range
          </dd>
        </div>
      ))}
    </dl>
  )
}
