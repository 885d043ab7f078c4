/** Whether the stores can serve requests now (for /readyz). */
export interface Readiness {
  /** @throws UnavailableError naming what is not ready. */
  check(): Promise<void>;
}
