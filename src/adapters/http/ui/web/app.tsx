import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { hrefFor, useRoute, type Route } from './router.js';
import { ComparePage } from './pages/compare-page.js';
import { ExperimentPage } from './pages/experiment-page.js';
import { ExperimentsPage } from './pages/experiments-page.js';
import { RunPage } from './pages/run-page.js';
import { Empty } from './components/states.js';

/** The shell: a header, then the view the URL names. */
export function App() {
  const route = useRoute();
  const view = pick(route);
  useEffect(() => {
    document.title = view.title ? `${view.title} · Fathom` : 'Fathom';
  }, [view.title]);
  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={hrefFor([])}>
          <img src="./favicon.svg" alt="" width="22" height="22" />
          Fathom
        </a>
        <nav aria-label="Main">
          <a href={hrefFor([])} aria-current={route.segments[0] === undefined || route.segments[0] === 'experiments' ? 'page' : undefined}>
            Experiments
          </a>
          <a href="./docs" target="_blank" rel="noreferrer">
            API docs
          </a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {view.body}
      </main>
    </>
  );
}

function pick(route: Route): { title: string; body: JSX.Element } {
  const [first, id] = route.segments;
  if (first === undefined || (first === 'experiments' && id === undefined)) return { title: 'Experiments', body: <ExperimentsPage route={route} /> };
  if (first === 'experiments' && id !== undefined) return { title: 'Experiment', body: <ExperimentPage key={id} id={id} route={route} /> };
  if (first === 'runs' && id !== undefined) return { title: 'Run', body: <RunPage key={id} id={id} route={route} /> };
  if (first === 'compare') return { title: 'Compare runs', body: <ComparePage route={route} /> };
  return {
    title: 'Not found',
    body: (
      <Empty title="There is no such page">
        <a href={hrefFor([])}>Go to the experiments</a>
      </Empty>
    ),
  };
}

/** The skip link moves focus without changing the hash (the hash is the router's). */
function skipToMain(event: MouseEvent) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
