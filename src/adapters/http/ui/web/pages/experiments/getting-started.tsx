/**
 * How to get data in: the MLflow client (what most training scripts use) and plain HTTP, with
 * this server's own address, so the lines can be copied as they are.
 */
export function GettingStarted() {
  const server = serverUrl();
  return (
    <div class="getting-started">
      <p>Log from a training script with the MLflow client:</p>
      <pre class="mono">
        {`export MLFLOW_TRACKING_URI=${server}

import mlflow
mlflow.set_experiment("my-experiment")
with mlflow.start_run():
    mlflow.log_param("lr", 0.01)
    mlflow.log_metric("loss", 0.42, step=1)`}
      </pre>
      <p>or create an experiment over HTTP:</p>
      <pre class="mono">{`curl -X POST ${server}/api/experiments \\
  -H 'content-type: application/json' -d '{"name": "my-experiment"}'`}</pre>
    </div>
  );
}

/** The server's base URL as the browser reached it (the UI may be mounted under a sub-path). */
function serverUrl(): string {
  return `${location.origin}${location.pathname}`.replace(/\/+$/, '');
}
