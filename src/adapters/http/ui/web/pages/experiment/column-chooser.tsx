import { useEffect, useRef } from 'preact/hooks';
import { ALWAYS_SHOWN, type Column } from './columns.js';

interface Props {
  open: boolean;
  onClose: () => void;
  columns: Column[];
  visible: Set<string>;
  /** The new visible set, or undefined for the default. */
  onChange: (ids: string[] | undefined) => void;
}

const GROUPS: { kind: Column['kind']; title: string }[] = [
  { kind: 'attribute', title: 'Run' },
  { kind: 'param', title: 'Parameters' },
  { kind: 'metric', title: 'Metrics' },
];

/** A modal `<dialog>` listing every column with a checkbox; focus moves into it when it opens. */
export function ColumnChooser({ open, onClose, columns, visible, onChange }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  const toggle = (id: string, on: boolean) => {
    const next = columns.filter((c) => (c.id === id ? on : visible.has(c.id))).map((c) => c.id);
    onChange(next);
  };

  return (
    <dialog ref={dialog} class="column-chooser" aria-labelledby="column-chooser-title" onClose={onClose}>
      <h2 id="column-chooser-title">Columns</h2>
      <div class="column-groups">
        {GROUPS.map(({ kind, title }) => {
          const group = columns.filter((c) => c.kind === kind);
          if (group.length === 0) return null;
          return (
            <fieldset key={kind}>
              <legend>{title}</legend>
              {group.map((c) => (
                <label key={c.id} class="column-option">
                  <input
                    type="checkbox"
                    checked={c.id === ALWAYS_SHOWN || visible.has(c.id)}
                    disabled={c.id === ALWAYS_SHOWN}
                    onChange={(e) => toggle(c.id, (e.currentTarget as HTMLInputElement).checked)}
                  />
                  <span class={kind === 'attribute' ? undefined : 'mono'}>{c.label}</span>
                </label>
              ))}
            </fieldset>
          );
        })}
      </div>
      <div class="toolbar dialog-actions">
        <button type="button" onClick={() => onChange(columns.map((c) => c.id))}>
          Show all
        </button>
        <button type="button" onClick={() => onChange(undefined)}>
          Reset to default
        </button>
        <button type="button" class="primary" onClick={onClose} autofocus>
          Done
        </button>
      </div>
    </dialog>
  );
}
