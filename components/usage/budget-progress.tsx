import Link from "next/link"

import { formatCount, formatUsd } from "@/lib/format"
import { type BudgetStatus } from "@/lib/usage/queries"
import { cn } from "@/lib/utils"

/** This month's spend against each budget (the console's banner says when one is crossed). */
export function BudgetProgress({
  budgets,
  projectName,
  timezone,
}: {
  budgets: BudgetStatus[]
  projectName: (id: string) => string
  timezone: string
}) {
  if (budgets.length === 0) return null

  return (
    <section aria-labelledby="usage-budgets" className="space-y-3">
      <h2 id="usage-budgets" className="text-lg font-semibold">
        Budgets this month{" "}
        <span className="text-sm font-normal text-muted-foreground">
          ({timezone})
        </span>
      </h2>
      <ul className="grid gap-3 sm:grid-cols-2">
        {budgets.map((budget) => {
          const share = Math.min(1, budget.spent_usd / budget.monthly_usd)
          const label = budget.project_id
            ? projectName(budget.project_id)
            : "Your usage"

          return (
            <li
              key={budget.budget_id}
              className="space-y-2 rounded-xl border p-3"
            >
              <div className="flex justify-between gap-2 text-sm">
                <span className="font-medium">{label}</span>
                <span className="tabular-nums">
                  {formatUsd(budget.spent_usd)} /{" "}
                  {formatUsd(budget.monthly_usd)}
                </span>
              </div>
              <div
                role="progressbar"
                aria-label={`${label} budget used`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(share * 100)}
                className="h-2 overflow-hidden rounded-full bg-muted"
              >
                <div
                  className={cn(
                    "h-full",
                    budget.level === "exceeded"
                      ? "bg-destructive"
                      : budget.level === "warning"
                        ? "bg-amber-500"
                        : "bg-primary"
                  )}
                  style={{ width: `${share * 100}%` }}
                />
              </div>
              {budget.monthly_tokens ? (
                <p className="text-xs text-muted-foreground">
                  {formatCount(budget.spent_tokens)} of{" "}
                  {formatCount(budget.monthly_tokens)} tokens
                </p>
              ) : null}
            </li>
          )
        })}
      </ul>
      <p className="text-xs text-muted-foreground">
        Set budgets on{" "}
        <Link
          className="underline underline-offset-4"
          href="/usage/prices#budgets"
        >
          the prices page
        </Link>
        .
      </p>
    </section>
  )
}
