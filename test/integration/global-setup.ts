// Integration tests share one real local target (Keycloak boots in ~20 s).
// The local target's own global setup lands with it; until then this is a no-op.
export async function setup(): Promise<void> {}
export async function teardown(): Promise<void> {}
