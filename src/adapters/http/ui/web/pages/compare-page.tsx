import type { Route } from '../router.js';

export function ComparePage(_props: { route: Route }) {
  return <h1>Compare</h1>;
}
