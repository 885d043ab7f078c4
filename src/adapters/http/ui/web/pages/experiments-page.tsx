import type { Route } from '../router.js';

export function ExperimentsPage(_props: { route: Route }) {
  return <h1>Experiments</h1>;
}
