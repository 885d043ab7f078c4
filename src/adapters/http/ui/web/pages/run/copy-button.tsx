import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Copies a value (a run id, a SHA-256) to the clipboard. Where the clipboard is refused (an
 * insecure origin, a denied permission) it says so; the value stays selectable next to it.
 */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // The button goes with its row (a poll, leaving the page): its timer must not outlive it.
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = () => {
    const done = (next: 'copied' | 'failed') => {
      setState(next);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setState('idle'), 1500);
    };
    if (!navigator.clipboard) return done('failed');
    navigator.clipboard.writeText(value).then(
      () => done('copied'),
      () => done('failed'),
    );
  };
  return (
    <button type="button" class="copy-button" onClick={copy} aria-label={label} title={label}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select to copy' : 'Copy'}
    </button>
  );
}
