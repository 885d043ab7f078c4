import type { Route } from '../router.js';

export function ExperimentPage({ id }: { id: string; route: Route }) {
  return <h1>Experiment {id}</h1>;
}
