"use client"

import * as React from "react"
import Link from "next/link"
import { usePathname } from "next/navigation"

import { cn } from "@/lib/utils"
import { isNavItemActive, NAV_ITEMS } from "@/components/shell/nav-items"

type SidebarNavProps = React.ComponentProps<"nav"> & {
  onNavigate?: () => void
}

export function SidebarNav({
  className,
  onNavigate,
  ...props
}: SidebarNavProps) {
  const pathname = usePathname()

  return (
    <nav
      aria-label="Console"
      className={cn("grid gap-1", className)}
      {...props}
    >
      {NAV_ITEMS.map(({ href, label, icon: Icon, fullPageLoad }) => {
        const isActive = isNavItemActive(href, pathname)
        const itemProps = {
          href,
          "aria-current": isActive ? ("page" as const) : undefined,
          onClick: onNavigate,
          className: cn(
            "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-sidebar-foreground/80 transition-colors outline-none hover:bg-sidebar-accent hover:text-sidebar-accent-foreground focus-visible:ring-[3px] focus-visible:ring-sidebar-ring/50",
            isActive &&
              "bg-sidebar-accent text-sidebar-accent-foreground hover:bg-sidebar-accent"
          ),
          children: (
            <>
              <Icon className="size-4 shrink-0" aria-hidden="true" />
              {label}
            </>
          ),
        }

        return fullPageLoad ? (
          <a key={href} {...itemProps} />
        ) : (
          <Link key={href} {...itemProps} />
        )
      })}
    </nav>
  )
}
