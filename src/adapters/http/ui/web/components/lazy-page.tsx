import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { toError } from '../lib/errors.js';
import { ErrorBox, Loading } from './states.js';

/**
 * A page whose code is loaded the first time it is shown (Vite makes each `import()` a chunk).
 * Once loaded it renders at once, with no loading state, on every later visit.
 */
export type LazyPage<P> = ComponentType<P> & { preload(): void };

export function lazyPage<P extends object>(what: string, load: () => Promise<ComponentType<P>>): LazyPage<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const start = () => (pending ??= load().then((component) => (loaded = component)));
  function LazyPage(props: P) {
    const [, setReady] = useState(false);
    const [error, setError] = useState<Error | undefined>();
    useEffect(() => {
      if (loaded) return;
      let current = true;
      start().then(
        () => current && setReady(true),
        (thrown: unknown) => {
          // A failed chunk (a server restarted on a new build) may load on the next try.
          pending = undefined;
          if (current) setError(toError(thrown));
        },
      );
      return () => {
        current = false;
      };
    }, []);
    if (loaded) {
      const Page = loaded;
      return <Page {...props} />;
    }
    if (error) return <ErrorBox error={error} what={what} retry={() => location.reload()} />;
    return <Loading what={what} />;
  }
  // Starts loading the code before the page is rendered (a cold start knows its page at once).
  LazyPage.preload = () => {
    start().catch(() => undefined);
  };
  return LazyPage;
}
