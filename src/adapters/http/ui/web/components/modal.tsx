import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/**
 * A modal `<dialog>`, open while it is rendered: opened with showModal (focus moves inside, to an
 * `autofocus` element if there is one, the page behind is inert, Escape closes), and focus goes
 * back to what had it when the dialog goes away (the button that opened it), or to the main
 * region when that is gone (a deleted row). `class` sizes it.
 */
export function Modal({ title, onClose, class: className, children }: { title: string; onClose: () => void; class: string; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (opener?.isConnected) opener.focus();
      else document.getElementById('main')?.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class={className} aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
