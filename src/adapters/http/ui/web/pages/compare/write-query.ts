import { parseHash } from '../../lib/route.js';
import { setQuery } from '../../router.js';

/**
 * Changes query values of the URL as it is now. Parts of the compare page are memoised and keep
 * the callbacks of an older render: writing from that render's route would undo later changes.
 */
export function writeQuery(changes: Record<string, string | undefined>, options?: { replace?: boolean }): void {
  setQuery(parseHash(location.hash), changes, options);
}
