"use client"

import * as React from "react"

/**
 * Asks the person for their second factor and resolves true once this session is aal2, false
 * if they cancel. Provided by components/auth/step-up-dialog.tsx; useAction (lib/use-action.ts)
 * calls it when an action answers `stepUp` and then runs the action again.
 */
export type RequestStepUp = () => Promise<boolean>

export const StepUpContext = React.createContext<RequestStepUp | null>(null)
