import { describe, expect, it, vi } from "vitest"

import { fail, ok, type ActionResult } from "./action-result"
import { stepUpRequired } from "./auth/step-up"
import { runWithStepUp } from "./use-action"

/** An action that answers the given results in turn, recording what it was called with. */
function scripted(...answers: ActionResult<string>[]) {
  return vi.fn(async (_previous: unknown, payload: FormData) => {
    void payload
    const answer = answers.shift()
    if (!answer) throw new Error("called more often than scripted")

    return answer
  })
}

describe("useAction's step-up retry (runWithStepUp)", () => {
  it("asks for the second factor when the database refuses for aal1, then runs the same action with the same payload once more", async () => {
    const action = scripted(stepUpRequired(), ok("saved"))
    const requestStepUp = vi.fn(async () => true)
    const payload = new FormData()
    payload.set("name", "deploy")

    const result = await runWithStepUp(action, null, payload, requestStepUp)

    expect(result).toEqual(ok("saved"))
    expect(requestStepUp).toHaveBeenCalledTimes(1)
    expect(action).toHaveBeenCalledTimes(2)
    expect(action.mock.calls[1]![1]).toBe(payload)
  })

  it("keeps the refusal and does not run the action again when the person cancels the dialog", async () => {
    const action = scripted(stepUpRequired())
    const requestStepUp = vi.fn(async () => false)

    const result = await runWithStepUp(
      action,
      null,
      new FormData(),
      requestStepUp
    )

    expect(result).toMatchObject({ ok: false, stepUp: true })
    expect(action).toHaveBeenCalledTimes(1)
  })

  it("asks at most once per submission, even when the retry is refused again", async () => {
    const action = scripted(stepUpRequired(), stepUpRequired())
    const requestStepUp = vi.fn(async () => true)

    const result = await runWithStepUp(
      action,
      null,
      new FormData(),
      requestStepUp
    )

    expect(result).toMatchObject({ ok: false, stepUp: true })
    expect(requestStepUp).toHaveBeenCalledTimes(1)
    expect(action).toHaveBeenCalledTimes(2)
  })

  it("does not ask for a code on success, on other failures, or where no step-up dialog is mounted", async () => {
    const requestStepUp = vi.fn(async () => true)
    expect(
      await runWithStepUp(
        scripted(ok("done")),
        null,
        new FormData(),
        requestStepUp
      )
    ).toEqual(ok("done"))
    expect(
      await runWithStepUp(
        scripted(fail("Name taken")),
        null,
        new FormData(),
        requestStepUp
      )
    ).toMatchObject({ ok: false, message: "Name taken" })
    expect(requestStepUp).not.toHaveBeenCalled()

    const refused = scripted(stepUpRequired())
    expect(
      await runWithStepUp(refused, null, new FormData(), null)
    ).toMatchObject({
      stepUp: true,
    })
    expect(refused).toHaveBeenCalledTimes(1)
  })
})
