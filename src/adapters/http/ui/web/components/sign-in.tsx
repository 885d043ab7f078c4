import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, identify } from '../api.js';
import { toError } from '../lib/errors.js';
import { signIn } from '../session.js';

/**
 * What the shell shows instead of a page when the server wants credentials (FATHOM_AUTH=token):
 * one field for an API token, checked against the server before it is kept. The URL is left as it
 * was, so the page asked for appears once signed in.
 */
export function SignIn({ reason }: { reason?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), [error]);

  const submit = (event: Event) => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Paste your API token.');
      return;
    }
    setBusy(true);
    identify(value).then(
      (identity) => signIn(value, identity),
      (failure: unknown) => {
        setBusy(false);
        setError(
          failure instanceof ApiError && failure.status === 401
            ? 'The server does not accept this token: it is unknown or revoked, or its user was removed.'
            : `Could not check the token: ${toError(failure).message}`,
        );
      },
    );
  };

  return (
    <section class="sign-in" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Sign in to Fathom</h1>
      {reason && (
        <p class="state-error sign-in-reason" role="status">
          You were signed out: {reason}
        </p>
      )}
      <form noValidate onSubmit={submit}>
        <div class="field">
          <label for="sign-in-token">API token</label>
          <input
            ref={input}
            id="sign-in-token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'sign-in-error' : 'sign-in-hint'}
          />
          {error ? (
            <div class="field-error" id="sign-in-error" role="alert">
              {error}
            </div>
          ) : (
            <span class="hint muted" id="sign-in-hint">
              An admin creates one with <code>fathom tokens create YOUR-NAME</code>. It is kept in this tab only, and forgotten when the tab closes.
            </span>
          )}
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
