import Link from "next/link"
import { TriangleAlert } from "lucide-react"

import { getCurrentUser } from "@/lib/auth/current-user"
import { formatUsd } from "@/lib/format"
import { getCrossedBudgets } from "@/lib/usage/budget-banner"
import { cn } from "@/lib/utils"

/** On every console page while a budget is over its warning level or used up this month. */
export async function BudgetBanner() {
  // The layout's profile read (cached for the request) says whether any budget exists; most
  // accounts have none, and their pages then make no second round trip for this banner.
  if (!(await getCurrentUser()).hasBudgets) return null
  const crossed = await getCrossedBudgets()
  if (crossed.length === 0) return null

  return (
    <div className="space-y-2">
      {crossed.map((budget) => (
        <div
          key={budget.budget_id}
          role="alert"
          className={cn(
            "flex items-start gap-2 rounded-xl border p-3 text-sm",
            budget.level === "exceeded"
              ? "border-destructive/50 bg-destructive/10"
              : "border-amber-500/50 bg-amber-500/10"
          )}
        >
          <TriangleAlert
            className="mt-0.5 size-4 shrink-0"
            aria-hidden="true"
          />
          <p className="min-w-0 break-words">
            {budget.project_id
              ? `${budget.project_name ?? "A project"}'s`
              : "Your"}{" "}
            monthly budget{" "}
            {budget.level === "exceeded"
              ? "is used up"
              : `has passed its ${budget.warn_at_percent}% warning`}
            : {formatUsd(budget.spent_usd)} of {formatUsd(budget.monthly_usd)}{" "}
            this month.{" "}
            <Link
              href="/usage/prices#budgets"
              className="underline underline-offset-4"
            >
              Budgets
            </Link>
            . Email alerts are not sent yet; this banner and the audit log
            record it.
          </p>
        </div>
      ))}
    </div>
  )
}
