"use client"

import * as React from "react"
import { Menu } from "lucide-react"

import { Button } from "@/components/ui/button"
import {
  Sheet,
  SheetContent,
  SheetDescription,
  SheetHeader,
  SheetTitle,
  SheetTrigger,
} from "@/components/ui/sheet"
import { Brand } from "@/components/shell/brand"
import { SidebarNav } from "@/components/shell/sidebar-nav"

export function MobileNav() {
  const [isOpen, setIsOpen] = React.useState(false)

  function handleNavigate() {
    setIsOpen(false)
  }

  return (
    <Sheet open={isOpen} onOpenChange={setIsOpen}>
      <SheetTrigger asChild>
        <Button variant="ghost" size="icon" className="md:hidden">
          <Menu />
          <span className="sr-only">Open navigation</span>
        </Button>
      </SheetTrigger>
      <SheetContent
        side="left"
        className="w-72 bg-sidebar p-0 text-sidebar-foreground"
      >
        <SheetHeader className="border-b border-sidebar-border">
          <SheetTitle asChild>
            <Brand onClick={handleNavigate} />
          </SheetTitle>
          <SheetDescription className="sr-only">
            Console sections
          </SheetDescription>
        </SheetHeader>
        <SidebarNav className="px-3" onNavigate={handleNavigate} />
      </SheetContent>
    </Sheet>
  )
}
