import * as React from "react"
import Link from "next/link"
import { Cpu } from "lucide-react"

import { cn } from "@/lib/utils"

export function Brand({
  className,
  nameClassName,
  ...props
}: Omit<React.ComponentProps<typeof Link>, "href"> & {
  /** Where space is short the name may hide visually; it stays the link's accessible name. */
  nameClassName?: string
}) {
  return (
    <Link
      href="/devices"
      className={cn(
        "flex min-w-0 items-center gap-2 rounded-md font-semibold tracking-tight outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50",
        className
      )}
      {...props}
    >
      <span className="flex size-7 items-center justify-center rounded-md bg-primary text-primary-foreground">
        <Cpu className="size-4" aria-hidden="true" />
      </span>
      <span className={cn("truncate", nameClassName)}>LMX Console</span>
    </Link>
  )
}
