"use client"

import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs"

import { EmailSignInForm } from "./email-sign-in-form"
import { PasswordSignInForm } from "./password-sign-in-form"

type SignInTabsProps = {
  next: string
  initialTab: "email" | "password"
  startWithCode: boolean
}

export function SignInTabs({
  next,
  initialTab,
  startWithCode,
}: SignInTabsProps) {
  return (
    <Tabs defaultValue={initialTab} className="gap-4">
      <TabsList className="grid w-full grid-cols-2">
        <TabsTrigger value="email">Email link or code</TabsTrigger>
        <TabsTrigger value="password">Password</TabsTrigger>
      </TabsList>
      <TabsContent value="email">
        <EmailSignInForm next={next} startWithCode={startWithCode} />
      </TabsContent>
      <TabsContent value="password">
        <PasswordSignInForm next={next} />
      </TabsContent>
    </Tabs>
  )
}
