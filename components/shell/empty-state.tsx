import * as React from "react"
import { type LucideIcon } from "lucide-react"

import { cn } from "@/lib/utils"

type EmptyStateProps = Omit<React.ComponentProps<"section">, "title"> & {
  icon: LucideIcon
  title: string
  description: React.ReactNode
}

export function EmptyState({
  icon: Icon,
  title,
  description,
  className,
  children,
  ...props
}: EmptyStateProps) {
  const titleId = React.useId()

  return (
    <section
      aria-labelledby={titleId}
      className={cn(
        "flex flex-col items-center justify-center gap-4 rounded-xl border border-dashed px-6 py-16 text-center",
        className
      )}
      {...props}
    >
      <div className="flex size-12 items-center justify-center rounded-full bg-muted">
        <Icon className="size-6 text-muted-foreground" aria-hidden="true" />
      </div>
      <div className="max-w-md space-y-1">
        <h2 id={titleId} className="text-lg font-semibold">
          {title}
        </h2>
        <p className="text-sm text-muted-foreground">{description}</p>
      </div>
      {children}
    </section>
  )
}

/** A shell command the user is meant to copy, shown as code. */
export function CommandHint({
  command,
  className,
  ...props
}: React.ComponentProps<"pre"> & { command: string }) {
  return (
    <pre
      className={cn(
        "max-w-full overflow-x-auto rounded-md border bg-muted px-4 py-2 text-left font-mono text-sm",
        className
      )}
      {...props}
    >
      <code>{command}</code>
    </pre>
  )
}
