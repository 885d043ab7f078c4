import { useId, useState } from 'preact/hooks';
import { api, encodePath, type Artifact, type Run } from '../../api.js';
import { downloadWithToken } from '../../download.js';
import { toError } from '../../lib/errors.js';
import { useSession } from '../../use-session.js';
import { Empty, ErrorBox, Loading, useAsync } from '../../components/states.js';
import { formatBytes, formatCount, formatDate, runLabel } from '../../lib/format.js';
import { hrefFor } from '../../router.js';
import { CopyButton } from './copy-button.js';
import { isUnfinished } from './use-run-data.js';

/** Every version of every artifact of the run (the run carries them, newest first), then the history of its models. */
export function ArtifactsSection({ run }: { run: Run }) {
  const artifacts = run.artifacts;
  const models = [...new Set(artifacts.filter((a) => a.type === 'model').map((a) => a.name))].sort();
  const [downloadError, setDownloadError] = useState<string | undefined>();
  // Signed in, the token must go with the request, which a plain link cannot do (see
  // downloadWithToken): a button then, which no middle-click or "open in new tab" turns into a
  // request without the token (a 401 page).
  const signedIn = useSession().token !== undefined;
  // The bytes are fetched into memory: a second click while they come would fetch them twice.
  const [downloading, setDownloading] = useState<string | undefined>();
  const versionKey = (a: Artifact) => `${a.name}\u0000${a.version}`;
  const download = (a: Artifact) => {
    setDownloadError(undefined);
    setDownloading(versionKey(a));
    downloadWithToken(downloadHref(run.id, a), fileName(a))
      .catch((error: unknown) => setDownloadError(`Could not download ${a.name} version ${a.version}: ${toError(error).message}`))
      .finally(() => setDownloading((current) => (current === versionKey(a) ? undefined : current)));
  };
  return (
    <section aria-labelledby="artifacts-heading">
      <h2 id="artifacts-heading">
        Artifacts <span class="muted">({artifacts.length})</span>
      </h2>
      {downloadError && (
        <div class="field-error" role="alert">
          {downloadError}
        </div>
      )}
      {artifacts.length === 0 ? (
        <Empty title="No artifacts">{isUnfinished(run.status) ? 'Files the run uploads appear here.' : 'This run uploaded no files.'}</Empty>
      ) : (
        <table class="data artifacts" aria-labelledby="artifacts-heading">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Version</th>
              <th scope="col" class="num">Size</th>
              <th scope="col">SHA-256</th>
              <th scope="col">Uploaded</th>
              <th scope="col">
                <span class="visually-hidden">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {artifacts.map((a) => (
              <tr key={a.id}>
                <th scope="row" class="artifact-name">{a.name}</th>
                <td>{a.type}</td>
                <td class="mono">{a.version}</td>
                <td class="num" title={`${formatCount(a.size)} bytes`}>
                  {formatBytes(a.size)}
                </td>
                <td>
                  <Sha256 value={a.sha256} of={`${a.name} version ${a.version}`} />
                </td>
                <td>{formatDate(a.uploadedAt)}</td>
                <td>
                  {signedIn ? (
                    <button type="button" class="link" onClick={() => download(a)} disabled={downloading === versionKey(a)} aria-label={`Download ${a.name} version ${a.version}`}>
                      Download
                    </button>
                  ) : (
                    <a href={downloadHref(run.id, a)} download={fileName(a)} aria-label={`Download ${a.name} version ${a.version}`}>
                      Download
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {models.map((name) => (
        <ModelHistory key={name} run={run} name={name} />
      ))}
    </section>
  );
}

/** The experiment's versions of one model, across its runs; this run's versions are highlighted. */
function ModelHistory({ run, name }: { run: Run; name: string }) {
  // This run's own versions of the model are part of the key: a new upload shows here on the next poll.
  const own = run.artifacts.filter((a) => a.name === name && a.type === 'model').map((a) => a.id).join(',');
  const history = useAsync(
    (signal) => api.get<{ artifacts: Artifact[] }>(`experiments/${encodeURIComponent(run.experimentId)}/artifacts`, { name, type: 'model' }, signal),
    [run.experimentId, name, own],
  );
  // Not built from the name: aria-labelledby splits on spaces, and a name may have any character.
  const headingId = useId();
  return (
    <div class="model-history">
      <h3 id={headingId}>
        Version history of the model <code>{name}</code> in this experiment
      </h3>
      {history.error ? (
        <ErrorBox error={history.error} what="the model's versions" retry={history.reload} />
      ) : !history.data ? (
        <Loading what="the model's versions" />
      ) : (
        <table class="data" aria-labelledby={headingId}>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Run</th>
              <th scope="col" class="num">Size</th>
              <th scope="col">SHA-256</th>
              <th scope="col">Uploaded</th>
            </tr>
          </thead>
          <tbody>
            {history.data.artifacts.map((a) => {
              const current = a.runId === run.id;
              return (
                <tr key={a.id} class={current ? 'current-run' : undefined}>
                  <td class="mono">{a.version}</td>
                  <td>
                    {current ? (
                      <strong>this run</strong>
                    ) : (
                      <a href={hrefFor(['runs', a.runId])} class="mono" title={a.runId}>
                        {runLabel(undefined, a.runId)}
                      </a>
                    )}
                  </td>
                  <td class="num">{formatBytes(a.size)}</td>
                  <td>
                    <Sha256 value={a.sha256} of={`${a.name} version ${a.version}`} />
                  </td>
                  <td>{formatDate(a.uploadedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The first 12 hex digits, enough to tell contents apart at a glance; the whole digest in the title and to copy. */
function Sha256({ value, of }: { value: string; of: string }) {
  return (
    <span class="sha">
      <code title={value}>{value.slice(0, 12)}…</code>
      <CopyButton value={value} label={`Copy the SHA-256 of ${of}`} />
    </span>
  );
}

export function downloadHref(runId: string, artifact: Artifact): string {
  return api.href(`runs/${encodeURIComponent(runId)}/artifacts/${encodePath(artifact.name)}`, { version: artifact.version });
}

/** The name a download is saved under: the artifact name's last segment. */
function fileName(a: Artifact): string {
  return a.name.split('/').pop() ?? a.name;
}
