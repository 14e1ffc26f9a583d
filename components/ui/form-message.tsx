import * as React from "react"
import { CircleAlert, CircleCheck } from "lucide-react"

import { cn } from "@/lib/utils"

type FormMessageProps = React.ComponentProps<"div"> & {
  tone: "error" | "success" | "info"
}

/**
 * A message about a whole form. Errors are announced at once (role=alert);
 * confirmations politely (role=status).
 */
export function FormMessage({
  tone,
  className,
  children,
  ...props
}: FormMessageProps) {
  if (!children) return null
  const Icon = tone === "error" ? CircleAlert : CircleCheck

  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      className={cn(
        "flex items-start gap-2 rounded-md border px-3 py-2 text-sm",
        tone === "error" &&
          "border-destructive/40 bg-destructive/10 text-destructive dark:border-destructive/60",
        tone === "success" &&
          "border-emerald-600/30 bg-emerald-600/10 text-emerald-800 dark:text-emerald-300",
        tone === "info" && "bg-muted text-foreground",
        className
      )}
      {...props}
    >
      <Icon aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      <div>{children}</div>
    </div>
  )
}
