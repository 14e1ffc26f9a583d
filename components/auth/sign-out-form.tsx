import * as React from "react"

import { type SignOutScope } from "@/lib/auth/schema"

type SignOutFormProps = Omit<
  React.ComponentProps<"form">,
  "action" | "method"
> & {
  scope: SignOutScope
}

/** A POST to /auth/sign-out; signing out is never a GET (any page could embed one). */
export function SignOutForm({ scope, children, ...props }: SignOutFormProps) {
  return (
    <form action="/auth/sign-out" method="post" {...props}>
      <input type="hidden" name="scope" value={scope} />
      {children}
    </form>
  )
}
