import { Modal } from '../../components/modal.js';
import { ALWAYS_SHOWN, type Column } from './columns.js';

interface Props {
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

/** A modal dialog listing every column with a checkbox; rendered while open. */
export function ColumnChooser({ onClose, columns, visible, onChange }: Props) {
  const toggle = (id: string, on: boolean) => {
    const next = columns.filter((c) => (c.id === id ? on : visible.has(c.id))).map((c) => c.id);
    onChange(next);
  };

  return (
    <Modal class="column-chooser" title="Columns" onClose={onClose}>
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
    </Modal>
  );
}
