import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api.js';
import { toError } from '../../lib/errors.js';
import { Modal } from '../../components/modal.js';
import { splitTags } from './list-query.js';

export interface ExperimentFields {
  name: string;
  description: string;
  tags: string[];
}

type FieldName = 'name' | 'description' | 'tags';

interface Problems {
  fields: Partial<Record<FieldName, string>>;
  /** What no field explains (a server error, a lost connection). */
  general?: string;
}

/**
 * The API's answer as messages next to the fields: a 400 names them in `errors[].path`; a 409
 * ALREADY_EXISTS carries no path, but only the name can clash, so it goes next to the name.
 */
export function problemsOf(error: unknown): Problems {
  if (!(error instanceof ApiError)) return { fields: {}, general: toError(error).message };
  const fields: Problems['fields'] = {};
  for (const field of ['name', 'description', 'tags'] as const) {
    const message = error.forField(`/${field}`);
    if (message) fields[field] = message;
  }
  if (error.code === 'ALREADY_EXISTS' && !fields.name) fields.name = error.detail;
  const named = Object.keys(fields).length > 0;
  return named ? { fields } : { fields, general: error.detail };
}

/** Create or edit an experiment in a dialog; `submit` throws the API's error to show inline. */
export function ExperimentFormDialog(props: {
  title: string;
  submitLabel: string;
  initial: ExperimentFields;
  submit: (fields: ExperimentFields) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState(props.initial.name);
  const [description, setDescription] = useState(props.initial.description);
  const [tags, setTags] = useState(props.initial.tags.join(', '));
  const [problems, setProblems] = useState<Problems>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems({ fields: {} });
    try {
      await props.submit({ name, description, tags: splitTags(tags) });
    } catch (error) {
      const found = problemsOf(error);
      setProblems(found);
      setBusy(false);
      // Focus the first field the server refused, so a screen reader hears why.
      const first = (['name', 'description', 'tags'] as const).find((f) => found.fields[f]);
      if (first) requestAnimationFrame(() => form.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus());
    }
  };

  const field = (id: FieldName, hint: boolean) => ({
    name: id,
    'aria-invalid': problems.fields[id] ? ('true' as const) : undefined,
    'aria-describedby': problems.fields[id] ? `experiment-${id}-error` : hint ? `experiment-${id}-hint` : undefined,
  });
  const error = (id: FieldName) =>
    problems.fields[id] && (
      <div class="field-error" id={`experiment-${id}-error`}>
        {problems.fields[id]}
      </div>
    );

  return (
    <Modal class="experiment-dialog" title={props.title} onClose={props.onClose}>
      {/* The server validates (and says why); the browser's own checks would hide its messages. */}
      <form ref={form} class="experiment-form" noValidate onSubmit={(e) => void onSubmit(e)}>
        <div class="field">
          <label for="experiment-name">Name</label>
          <input id="experiment-name" type="text" autoFocus autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} {...field('name', true)} />
          {error('name') || (
            <span class="hint muted" id="experiment-name-hint">
              Unique among active experiments.
            </span>
          )}
        </div>
        <div class="field">
          <label for="experiment-description">Description</label>
          <textarea id="experiment-description" rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} {...field('description', false)} />
          {error('description')}
        </div>
        <div class="field">
          <label for="experiment-tags">Tags</label>
          <input id="experiment-tags" type="text" autocomplete="off" placeholder="vision, baseline" value={tags} onInput={(e) => setTags(e.currentTarget.value)} {...field('tags', true)} />
          {error('tags') || (
            <span class="hint muted" id="experiment-tags-hint">
              Comma-separated; stored in lower case.
            </span>
          )}
        </div>
        {problems.general && (
          <div class="field-error" role="alert">
            {problems.general}
          </div>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : props.submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
