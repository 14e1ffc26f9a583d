import * as React from "react"
import Link from "next/link"
import { Cpu } from "lucide-react"

import { cn } from "@/lib/utils"

export function Brand({
  className,
  ...props
}: Omit<React.ComponentProps<typeof Link>, "href">) {
  return (
    <Link
      href="/devices"
      className={cn(
        "focus-visible:ring-ring/50 flex items-center gap-2 rounded-md font-semibold tracking-tight outline-none focus-visible:ring-[3px]",
        className
      )}
      {...props}
    >
      <span className="bg-primary text-primary-foreground flex size-7 items-center justify-center rounded-md">
        <Cpu className="size-4" aria-hidden="true" />
      </span>
      LMX Console
    </Link>
  )
}
