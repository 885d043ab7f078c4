/** Opaque, URL-safe, server-made identifiers. */
export interface IdGenerator {
  next(): string;
}
