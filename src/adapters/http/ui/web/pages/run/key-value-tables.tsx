import type { Parameter, Run } from '../../api.js';
import { formatValue } from '../../lib/format.js';

/** The run's parameters and tags, each a table sorted by key. */
export function KeyValueTables({ run }: { run: Run }) {
  const parameters = [...run.parameters].sort((a, b) => compareKeys(a.key, b.key));
  const tags = Object.entries(run.tags).sort(([a], [b]) => compareKeys(a, b));
  return (
    <div class="run-columns">
      <section aria-labelledby="params-heading">
        <h2 id="params-heading">
          Parameters <span class="muted">({parameters.length})</span>
        </h2>
        {parameters.length === 0 ? (
          <p class="muted">No parameters logged.</p>
        ) : (
          <table class="data" aria-labelledby="params-heading">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">Type</th>
              </tr>
            </thead>
            <tbody>
              {parameters.map((p) => (
                <tr key={p.key}>
                  <th scope="row" class="kv-key">{p.key}</th>
                  <td>
                    <LongText text={show(p)} />
                  </td>
                  <td class="muted">{p.type}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="tags-heading">
        <h2 id="tags-heading">
          Tags <span class="muted">({tags.length})</span>
        </h2>
        {tags.length === 0 ? (
          <p class="muted">No tags.</p>
        ) : (
          <table class="data" aria-labelledby="tags-heading">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {tags.map(([key, value]) => (
                <tr key={key}>
                  <th scope="row" class="kv-key">{key}</th>
                  <td>
                    <LongText text={value} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/** Numbers as logged (all digits: a parameter is an exact setting, not a measurement). */
function show(p: Parameter): string {
  return typeof p.value === 'number' ? String(p.value) : formatValue(p.value);
}

/** Long values (a serialised config, a command line) wrap and stop after a few lines; the whole value is in the title. */
function LongText({ text }: { text: string }) {
  return (
    <span class="long-text" title={text.length > 80 ? text : undefined}>
      {text}
    </span>
  );
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
