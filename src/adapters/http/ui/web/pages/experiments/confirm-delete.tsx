import { useState } from 'preact/hooks';
import { api, ApiError, type ExperimentSummary } from '../../api.js';
import { Modal } from '../../components/modal.js';

/** Asks before moving an experiment (and its runs) to the trash, and says it can come back. */
export function ConfirmDeleteDialog({ experiment, onDeleted, onClose }: { experiment: ExperimentSummary; onDeleted: () => void; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const runs = experiment.runCount === 1 ? '1 run' : `${experiment.runCount} runs`;

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.delete(`experiments/${encodeURIComponent(experiment.id)}`);
      onDeleted();
    } catch (e) {
      setError(e instanceof ApiError ? e.detail : String(e));
      setBusy(false);
    }
  };

  return (
    <Modal class="experiment-dialog" title="Move to the trash?" onClose={onClose}>
      <p>
        “<strong>{experiment.name}</strong>” and its {runs} move to the trash. Nothing is erased: find it under <em>Show deleted</em> and restore it
        with its runs.
      </p>
      {error && (
        <div class="field-error" role="alert">
          {error}
        </div>
      )}
      <div class="dialog-actions">
        <button type="button" autoFocus onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
          {busy ? 'Moving…' : 'Move to trash'}
        </button>
      </div>
    </Modal>
  );
}
