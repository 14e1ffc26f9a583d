"use client"

import * as React from "react"

// How /chat reaches a device, chosen per device and remembered in this browser: "relay"
// (the agent, the default) or "tunnel" (the device's tunnel_url, called directly).

export type ChatRoute = "relay" | "tunnel"

const KEY_PREFIX = "lmx.chat.route."
const CHANGED = "lmx-chat-route"

function subscribe(onChange: () => void) {
  window.addEventListener("storage", onChange)
  window.addEventListener(CHANGED, onChange)
  return () => {
    window.removeEventListener("storage", onChange)
    window.removeEventListener(CHANGED, onChange)
  }
}

export function useChatRoute(
  deviceId: string | null
): [ChatRoute, (route: ChatRoute) => void] {
  const key = deviceId ? `${KEY_PREFIX}${deviceId}` : null
  const stored = React.useSyncExternalStore(
    subscribe,
    () => (key ? window.localStorage.getItem(key) : null),
    () => null
  )
  const set = React.useCallback(
    (route: ChatRoute) => {
      if (!key) return
      window.localStorage.setItem(key, route)
      window.dispatchEvent(new Event(CHANGED))
    },
    [key]
  )

  return [stored === "tunnel" ? "tunnel" : "relay", set]
}
