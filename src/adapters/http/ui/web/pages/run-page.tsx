import type { Route } from '../router.js';

export function RunPage({ id }: { id: string; route: Route }) {
  return <h1>Run {id}</h1>;
}
