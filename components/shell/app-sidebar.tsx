import * as React from "react"

import { cn } from "@/lib/utils"
import { Brand } from "@/components/shell/brand"
import { SidebarNav } from "@/components/shell/sidebar-nav"

/** The sidebar on tablets and up; phones get MobileNav's sheet instead. */
export function AppSidebar({
  className,
  ...props
}: React.ComponentProps<"aside">) {
  return (
    <aside
      className={cn(
        "hidden w-60 shrink-0 flex-col border-r border-sidebar-border bg-sidebar text-sidebar-foreground md:flex",
        className
      )}
      {...props}
    >
      <div className="flex h-14 items-center border-b border-sidebar-border px-4">
        <Brand />
      </div>
      <SidebarNav className="p-3" />
    </aside>
  )
}
