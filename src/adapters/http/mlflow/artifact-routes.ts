import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { DeleteArtifact } from '../../../application/use-cases/artifacts/delete-artifact.js';
import { DownloadArtifact } from '../../../application/use-cases/artifacts/download-artifact.js';
import { ListRunArtifacts } from '../../../application/use-cases/artifacts/list-run-artifacts.js';
import { UploadArtifact } from '../../../application/use-cases/artifacts/upload-artifact.js';
import { LookUpRun } from '../../../application/use-cases/runs/look-up-run.js';
import type { Artifact, ArtifactType } from '../../../domain/artifact.js';
import type { Run } from '../../../domain/run.js';
import { logDamagedContent } from '../shared/damaged-content.js';
import { setDownloadHeaders } from '../shared/download-headers.js';
import { MlflowError, invalid } from './errors.js';
import { runArtifactUri } from './presenters.js';
import { argsOf, optionalString, runIdOf } from './request.js';
import { actorOf } from '../shared/authentication.js';

/** Where a run's files live in MLflow's proxied-artifact paths: `<experiment id>/<run id>/artifacts/<name>`. */
interface ArtifactPath {
  experimentId: string;
  runId: string;
  /** The artifact name (or directory) under the run's root; '' for the root itself. */
  name: string;
}

/** Reads an artifact path; undefined when it is not under some run's `artifacts` root. */
export function parseArtifactPath(path: string): ArtifactPath | undefined {
  const match = /^\/*([^/]+)\/([^/]+)\/artifacts(?:\/(.*))?$/.exec(path);
  if (!match) return undefined;
  return { experimentId: match[1] as string, runId: match[2] as string, name: (match[3] ?? '').replace(/\/+$/, '') };
}

const MODEL = /(^|\/)MLmodel$|\.(pkl|pickle|joblib|pt|pth|ckpt|onnx|safetensors|h5|hdf5|keras|pb|tflite|gguf|cbm|ubj|xgb|lgb)$/i;
const DATASET = /\.(csv|tsv|parquet|jsonl|ndjson|arrow|feather|avro|orc|npy|npz|tfrecord)$/i;
const FIGURE = /\.(png|jpe?g|gif|svg|webp|bmp|tiff?|html?|pdf)$/i;

/** MLflow files carry no type; the name tells enough to sort them into Fathom's kinds. */
export function artifactTypeOf(name: string): ArtifactType {
  if (MODEL.test(name) || /(^|\/)model\//.test(name)) return 'model';
  if (DATASET.test(name)) return 'dataset';
  if (FIGURE.test(name)) return 'figure';
  return 'other';
}

/** The newest version of each name, sorted by name. */
function latestByName(artifacts: readonly Artifact[]): Artifact[] {
  const latest = new Map<string, Artifact>();
  for (const artifact of artifacts) if (!latest.has(artifact.name)) latest.set(artifact.name, artifact);
  return [...latest.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The direct children of a directory, as MLflow's artifact server lists them: base names,
 * directories without a size. A file's path, or a directory that does not exist, lists nothing.
 */
export function listDirectory(artifacts: readonly Artifact[], directory: string) {
  const prefix = directory === '' ? '' : `${directory}/`;
  const files: { path: string; is_dir: boolean; file_size?: number }[] = [];
  const directories = new Set<string>();
  for (const artifact of latestByName(artifacts)) {
    if (!artifact.name.startsWith(prefix)) continue;
    const rest = artifact.name.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash === -1) files.push({ path: rest, is_dir: false, file_size: artifact.size });
    else directories.add(rest.slice(0, slash));
  }
  const entries = [...[...directories].map((path) => ({ path, is_dir: true })), ...files];
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const SIMPLE_MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

/** MLflow's proxied artifact API (`mlflow-artifacts:/` URIs) over Fathom's artifact use cases. */
export const artifactRoutes: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const lookUpRun = container.resolve(LookUpRun);
  const upload = container.resolve(UploadArtifact);
  const download = container.resolve(DownloadArtifact);
  const list = container.resolve(ListRunArtifacts);
  const remove = container.resolve(DeleteArtifact);
  const hidden = { schema: { hide: true } };

  // Uploads are raw bodies of any type: leave the body unread, the route streams it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  /** The run a path names (its record alone: one read); 404 unless it exists in that experiment. */
  const runOf = async (path: ArtifactPath): Promise<Run> => {
    const run = await lookUpRun.execute(path.runId);
    if (run.experimentId !== path.experimentId) {
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${path.runId}' is not in experiment '${path.experimentId}'`);
    }
    return run;
  };

  const pathOf = (request: FastifyRequest): ArtifactPath => {
    const raw = (request.params as { '*': string })['*'];
    const path = parseArtifactPath(raw);
    if (!path) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `'${raw}' is not a path under a run's artifacts (<experiment id>/<run id>/artifacts/<path>)`);
    return path;
  };

  app.get('/artifacts', hidden, async (request) => {
    const path = optionalString(argsOf(request), 'path') ?? '';
    const parsed = parseArtifactPath(path);
    if (!parsed) return {};
    const run = await runOf(parsed);
    const files = listDirectory(await list.execute(run.id), parsed.name);
    return files.length > 0 ? { files } : {};
  });

  app.put('/artifacts/*', hidden, async (request) => {
    const path = pathOf(request);
    if (path.name === '') throw invalid('the artifact path must name a file under the run\'s artifacts');
    await runOf(path);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    await upload.execute(path.runId, {
      content: request.raw,
      ...(SIMPLE_MEDIA_TYPE.test(contentType) ? { contentType } : {}),
      fields: async () => ({ name: path.name, type: artifactTypeOf(path.name) }),
    });
    return {};
  });

  app.get('/artifacts/*', hidden, async (request, reply) => {
    const path = pathOf(request);
    await runOf(path);
    const { artifact, open } = await download.execute(path.runId, path.name);
    const body = logDamagedContent(request, artifact, await open());
    return setDownloadHeaders(reply, artifact).header('content-type', artifact.contentType).header('content-length', artifact.size).send(body);
  });

  app.delete('/artifacts/*', hidden, async (request) => {
    const path = pathOf(request);
    if (path.name === '') throw invalid("the artifact path must name a file or a directory under the run's artifacts");
    const run = await runOf(path);
    // A file, or a whole directory of them, as MLflow's delete_artifacts does: in one write.
    const actor = actorOf(request);
    await remove.execute(run.id, path.name, { below: true }, actor);
    // The records are gone with the deletion: the log keeps who did it.
    request.log.info({ user: actor.user, runId: run.id, artifact: path.name }, 'artifact deleted');
    return {};
  });
};

/**
 * The tracking server's own listing, `GET /api/2.0/mlflow/artifacts/list?run_id=&path=`: as the
 * proxied listing, but with paths from the run's artifact root (`model/MLmodel`), and the root.
 */
export const artifactListRoute: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const lookUpRun = container.resolve(LookUpRun);
  const list = container.resolve(ListRunArtifacts);
  app.get('/artifacts/list', { schema: { hide: true } }, async (request) => {
    const args = argsOf(request);
    const run = await lookUpRun.execute(runIdOf(args));
    const directory = (optionalString(args, 'path') ?? '').replace(/^\/+|\/+$/g, '');
    const files = listDirectory(await list.execute(run.id), directory).map((f) => ({ ...f, path: directory === '' ? f.path : `${directory}/${f.path}` }));
    return { root_uri: runArtifactUri(run), ...(files.length > 0 ? { files } : {}) };
  });
};
