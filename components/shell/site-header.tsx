import * as React from "react"

import { cn } from "@/lib/utils"
import { Brand } from "@/components/shell/brand"
import { MobileNav } from "@/components/shell/mobile-nav"
import { ProjectSwitcher } from "@/components/shell/project-switcher"
import { ThemeToggle } from "@/components/shell/theme-toggle"
import { UserMenu, type UserMenuUser } from "@/components/shell/user-menu"

export function SiteHeader({
  user,
  className,
  ...props
}: React.ComponentProps<"header"> & { user: UserMenuUser }) {
  return (
    <header
      className={cn(
        "sticky top-0 z-40 flex h-14 shrink-0 items-center gap-2 border-b bg-background/95 px-4 backdrop-blur supports-[backdrop-filter]:bg-background/80 md:px-6",
        className
      )}
      {...props}
    >
      <MobileNav />
      {/* On a phone the project switcher (Sessions, Runs, Usage) needs the room: the name
          hides below 400 px, the logo stays. */}
      <Brand className="md:hidden" nameClassName="max-[400px]:sr-only" />
      <div className="ml-auto flex min-w-0 items-center gap-1">
        <ProjectSwitcher />
        <ThemeToggle />
        <UserMenu user={user} />
      </div>
    </header>
  )
}
