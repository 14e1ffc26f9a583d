import { signInWithOAuth } from "@/lib/auth/actions"
import { OAUTH_PROVIDERS, type OAuthProvider } from "@/lib/auth/schema"
import { SubmitButton } from "@/components/auth/submit-button"

type OAuthButtonsProps = {
  providers: OAuthProvider[]
  next: string
}

/** One button per provider Auth reports enabled; nothing at all otherwise. */
export function OAuthButtons({ providers, next }: OAuthButtonsProps) {
  if (providers.length === 0) return null

  return (
    <div className="grid gap-3">
      <div className="flex items-center gap-3 text-xs text-muted-foreground">
        <span className="h-px flex-1 bg-border" />
        or continue with
        <span className="h-px flex-1 bg-border" />
      </div>
      {providers.map((provider) => (
        <form key={provider} action={signInWithOAuth}>
          <input type="hidden" name="provider" value={provider} />
          <input type="hidden" name="next" value={next} />
          <SubmitButton
            variant="outline"
            className="w-full"
            pendingLabel={`Opening ${OAUTH_PROVIDERS[provider]}…`}
          >
            {OAUTH_PROVIDERS[provider]}
          </SubmitButton>
        </form>
      ))}
    </div>
  )
}
