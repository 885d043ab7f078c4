import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { hrefFor, useRoute, type Route } from './router.js';
import { lazyPage } from './components/lazy-page.js';
import { Empty } from './components/states.js';
import { SignIn } from './components/sign-in.js';
import { signOut, type Session } from './session.js';
import { useSession } from './use-session.js';

// Each page is a chunk of its own, loaded when first shown: the run table does not wait for the
// chart library to be compiled, nor the charts for the run table.
const ExperimentsPage = lazyPage('the experiments', () => import('./pages/experiments-page.js').then((m) => m.ExperimentsPage));
const ExperimentPage = lazyPage('the experiment', () => import('./pages/experiment-page.js').then((m) => m.ExperimentPage));
const RunPage = lazyPage('the run', () => import('./pages/run-page.js').then((m) => m.RunPage));
const ComparePage = lazyPage('the comparison', () => import('./pages/compare-page.js').then((m) => m.ComparePage));

/** The shell: a header, then the view the URL names. */
export function App() {
  const route = useRoute();
  const auth = useSession();
  // Signed out, the page is not even mounted: its requests would only be refused again.
  const view = auth.signInNeeded ? { title: 'Sign in', body: <SignIn reason={auth.reason} /> } : pick(route);
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
        <SessionBar session={auth} />
      </header>
      <main id="main" tabIndex={-1}>
        {view.body}
      </main>
    </>
  );
}

/** Who is signed in, and the way out; nothing when the server asks for no sign-in. */
function SessionBar({ session }: { session: Session }) {
  if (!session.identity) return null;
  return (
    <div class="session">
      <span>
        Signed in as <strong>{session.identity.user}</strong> ({session.identity.role})
      </span>
      <button type="button" class="link" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}

/** Starts loading the code of the page a URL shows, before anything is rendered. */
export function preloadView(route: Route): void {
  const [first, id] = route.segments;
  if (first === undefined || (first === 'experiments' && id === undefined)) ExperimentsPage.preload();
  else if (first === 'experiments') ExperimentPage.preload();
  else if (first === 'runs') RunPage.preload();
  else if (first === 'compare') ComparePage.preload();
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
