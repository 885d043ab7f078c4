/**
 * A numbered schema change of a SQL store. Each store keeps its own list; a migration is never
 * edited once released, a change is a new one at the end.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The highest version in a list of migrations (0 for none). */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((latest, m) => Math.max(latest, m.version), 0);
}
