"use client"

import * as React from "react"
import Link from "next/link"
import { CircleUser, LogOut, MonitorX, Settings } from "lucide-react"

import { Button } from "@/components/ui/button"
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu"
import { SignOutEverywhereDialog } from "@/components/auth/sign-out-everywhere-dialog"
import { SignOutForm } from "@/components/auth/sign-out-form"

export type UserMenuUser = { email: string; displayName: string }

export function UserMenu({ user }: { user: UserMenuUser }) {
  const signOutRef = React.useRef<HTMLFormElement>(null)
  const [confirmingEverywhere, setConfirmingEverywhere] = React.useState(false)

  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button variant="ghost" size="icon">
            <CircleUser />
            <span className="sr-only">Account menu</span>
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="end" className="w-64">
          <DropdownMenuLabel className="flex flex-col gap-0.5">
            <span className="truncate" title={user.displayName || user.email}>
              {user.displayName || user.email}
            </span>
            {user.displayName ? (
              <span
                className="truncate text-xs font-normal text-muted-foreground"
                title={user.email}
              >
                {user.email}
              </span>
            ) : null}
          </DropdownMenuLabel>
          <DropdownMenuSeparator />
          <DropdownMenuItem asChild>
            <Link href="/settings">
              <Settings aria-hidden="true" />
              Settings
            </Link>
          </DropdownMenuItem>
          <DropdownMenuSeparator />
          <DropdownMenuItem
            onSelect={() => signOutRef.current?.requestSubmit()}
          >
            <LogOut aria-hidden="true" />
            Sign out
          </DropdownMenuItem>
          <DropdownMenuItem
            variant="destructive"
            onSelect={() => setConfirmingEverywhere(true)}
          >
            <MonitorX aria-hidden="true" />
            Sign out everywhere
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      {/* Outside the menu, which unmounts its content as it closes. */}
      <SignOutForm ref={signOutRef} scope="local" hidden />
      <SignOutEverywhereDialog
        open={confirmingEverywhere}
        onOpenChange={setConfirmingEverywhere}
      />
    </>
  )
}
