import * as React from "react"
import { CircleAlert, type LucideIcon } from "lucide-react"

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
      <div className="max-w-md min-w-0 space-y-1 wrap-anywhere">
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

/**
 * A page's read failed: say so instead of an empty state, which would claim there is
 * nothing. The cause is logged on the server, never shown.
 */
export function LoadErrorState({
  what,
  className,
  ...props
}: Omit<React.ComponentProps<"section">, "title"> & { what: string }) {
  return (
    <EmptyState
      role="alert"
      icon={CircleAlert}
      title={`Could not load ${what}`}
      description="The console could not read them just now. Reload the page to try again; if it keeps happening, the database may be unavailable."
      className={cn("border-red-500/40", className)}
      {...props}
    />
  )
}
