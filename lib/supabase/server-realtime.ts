import WebSocket from "ws"

/**
 * Realtime options for Supabase clients created on the server. supabase-js
 * builds its Realtime client eagerly, and Node 20 (which the app supports)
 * has no global WebSocket: without a transport the client constructor throws.
 */
export const serverRealtimeOptions = {
  transport: (globalThis.WebSocket ??
    WebSocket) as unknown as typeof globalThis.WebSocket,
}
