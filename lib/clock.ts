/** Milliseconds to add to the browser's clock to get the server's. */
export function clockSkew(serverNow: string, clientNow: number): number {
  const server = Date.parse(serverNow)

  return Number.isNaN(server) ? 0 : server - clientNow
}
