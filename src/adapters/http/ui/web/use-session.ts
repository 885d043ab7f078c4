import { useEffect, useState } from 'preact/hooks';
import { onSessionChange, session, type Session } from './session.js';

/** The session, re-rendering the caller when it changes. */
export function useSession(): Session {
  const [value, setValue] = useState(session);
  useEffect(() => {
    const update = () => setValue(session());
    update();
    return onSessionChange(update);
  }, []);
  return value;
}
