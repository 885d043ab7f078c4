import type { Page, Request } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { Seeder } from '../support/seed.js';
import { describeUi } from '../support/ui.js';

/**
 * The experiment page (#/experiments/<id>): the run table and what drives it. A 30-run sweep with
 * known parameters and metrics lets every assertion name the values a person sees.
 */

interface Seeded {
  id: string;
  name: string;
  lr: number;
  optimizer: string;
  layers: number;
  acc: number;
  loss: number;
  status: 'completed' | 'failed' | 'running';
}

const LRS = [0.1, 0.01, 0.001, 0.0001];
const OPTIMIZERS = ['adam', 'sgd', 'adamw'];
const START = Date.parse('2026-01-15T10:00:00Z');

describeUi('the experiment page', (ui) => {
  let experimentId = '';
  let runs: Seeded[] = [];

  beforeAll(async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('sweep-resnet', { tags: ['vision', 'sweep'], description: 'A learning-rate sweep' });
    experimentId = experiment.id;
    runs = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const name = `run-${String(i + 1).padStart(2, '0')}`;
        // acc is a permutation of the runs, so sorting by it is not the order of their names.
        const acc = 0.5 + ((i * 7) % 30) / 100;
        const loss = Number((1 - acc).toFixed(2));
        const values = { name, lr: LRS[i % 4]!, optimizer: OPTIMIZERS[i % 3]!, layers: [2, 4, 8][i % 3]!, acc, loss };
        const status = i % 10 === 3 ? 'failed' : i % 10 === 7 ? 'running' : 'completed';
        const run = await seed.run(experimentId, {
          name,
          parameters: { lr: values.lr, optimizer: values.optimizer, layers: values.layers },
          startedAt: new Date(START + i * 600_000).toISOString(),
        });
        await seed.metric(run.id, 'acc', [acc / 2, acc]);
        await seed.metric(run.id, 'loss', [loss * 2, loss]);
        if (status !== 'running') await seed.finish(run.id, status, new Date(START + i * 600_000 + (i + 1) * 60_000).toISOString());
        return { id: run.id, ...values, status } satisfies Seeded;
      }),
    );
  });

  const table = (page: Page) => page.getByRole('table', { name: 'Runs' });
  const rowNames = (page: Page) => table(page).locator('tbody tr[aria-rowindex] td:nth-child(3)').allTextContents();
  const byName = (name: string) => runs.find((r) => r.name === name)!;

  it('shows the experiment and one row per run with its status, parameters and latest metrics', async () => {
    const page = await ui().open(`#/experiments/${experimentId}`);
    await page.getByRole('heading', { level: 1, name: 'sweep-resnet' }).waitFor();
    await expect.poll(() => page.getByTestId('run-count').textContent()).toBe('30');
    await page.getByText('A learning-rate sweep').waitFor();
    expect(await page.getByRole('list', { name: 'Tags' }).getByRole('link').allTextContents()).toEqual(['vision', 'sweep']);
    expect(await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'Experiments' }).getAttribute('href')).toBe('#/');

    const headers = await table(page).locator('tr.header-row th').allTextContents();
    expect(headers.map((h) => h.replace(/[▲▼]/g, '').trim())).toEqual(['', 'Status', 'Name', 'Start', 'Duration', 'layers', 'lr', 'optimizer', 'acc', 'loss']);
    // Newest first, as the API answers without a sort; the start column says so.
    expect((await rowNames(page)).slice(0, 3)).toEqual(['run-30', 'run-29', 'run-28']);
    expect(await table(page).getByRole('columnheader', { name: 'Start' }).getAttribute('aria-sort')).toBe('descending');
    await expect.poll(() => page.getByRole('status').filter({ hasText: /runs$/ }).textContent()).toBe('30 runs');

    const row = table(page).getByRole('row').filter({ has: page.getByRole('link', { name: 'run-07', exact: true }) });
    const cells = await row.getByRole('cell').allTextContents();
    // run-07: i = 6 → lr 0.001, adam, 2 layers, acc 0.5 + 42 % 30 / 100 = 0.62, finished after 7 min.
    expect(cells.slice(1)).toEqual(['completed', 'run-07', expect.stringMatching(/^2026-01-15 \d\d:\d\d$/), '7 min', '2', '0.001', 'adam', '0.62', '0.38']);
    const failed = table(page).getByRole('row').filter({ has: page.getByRole('link', { name: 'run-04', exact: true }) });
    expect(await failed.locator('.status').textContent()).toBe('failed');
    const running = table(page).getByRole('row').filter({ has: page.getByRole('link', { name: 'run-08', exact: true }) });
    expect((await running.getByRole('cell').allTextContents())[4]).toBe('—');
    expect(await row.getByRole('link', { name: 'run-07' }).getAttribute('href')).toBe(`#/runs/${byName('run-07').id}`);
    await ui().screenshot(page, 'experiment');
  });

  it('sorts by a metric column on the server, and keeps the sort in the URL', async () => {
    const page = await ui().open(`#/experiments/${experimentId}`);
    await table(page).getByRole('link', { name: 'run-30' }).waitFor();
    const acc = table(page).getByRole('columnheader', { name: 'acc' });
    await acc.getByRole('button').click();
    const ascending = [...runs].sort((a, b) => a.acc - b.acc).map((r) => r.name);
    await expect.poll(() => rowNames(page)).toEqual(ascending);
    expect(await acc.getAttribute('aria-sort')).toBe('ascending');
    expect(new URLSearchParams(page.url().split('?')[1]).get('sort')).toBe('metrics.acc asc');

    await acc.getByRole('button').click();
    await expect.poll(() => rowNames(page)).toEqual([...ascending].reverse());
    expect(await acc.getAttribute('aria-sort')).toBe('descending');
    expect(await table(page).getByRole('columnheader', { name: 'Start' }).getAttribute('aria-sort')).toBeNull();

    const again = await ui().open(page.url().slice(ui().server.baseUrl.length));
    await expect.poll(() => rowNames(again)).toEqual([...ascending].reverse());
    expect(await table(again).getByRole('columnheader', { name: 'acc' }).getAttribute('aria-sort')).toBe('descending');
  });

  it('narrows the rows with the search language, and shows a bad filter’s error at its position', async () => {
    const page = await ui().open(`#/experiments/${experimentId}`);
    await table(page).getByRole('link', { name: 'run-30' }).waitFor();
    const box = page.getByRole('searchbox', { name: 'Filter runs' });
    await box.fill("params.optimizer = 'sgd' and metrics.acc >= 0.6");
    await box.press('Enter');
    const expected = runs.filter((r) => r.optimizer === 'sgd' && r.acc >= 0.6).map((r) => r.name).sort().reverse();
    expect(expected.length).toBeGreaterThan(2);
    expect(expected.length).toBeLessThan(10);
    await expect.poll(() => rowNames(page)).toEqual(expected);
    await page.getByText(`${expected.length} runs match`).waitFor();
    expect(new URLSearchParams(page.url().split('?')[1]).get('filter')).toBe("params.optimizer = 'sgd' and metrics.acc >= 0.6");
    // Escape undoes an edit: the box shows the filter in force again (not an empty search box).
    await box.pressSequentially(' and more');
    await box.press('Escape');
    expect(await box.inputValue()).toBe("params.optimizer = 'sgd' and metrics.acc >= 0.6");

    ui().expectFailures(/runs\?/);
    await box.fill('params.lr 0.01 and metrics.acc > 0.9');
    await box.press('Enter');
    const error = page.locator('#run-filter-error');
    await error.getByText(/at character 11 .*expected a comparison/).waitFor();
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await box.getAttribute('aria-describedby')).toBe('run-filter-error');
    // The marked character is the 11th: the `0` of `0.01`, with the caret under it.
    expect(await error.locator('mark').textContent()).toBe('0');
    expect((await error.locator('pre').textContent())!.split('\n')[1]).toBe(`${' '.repeat(10)}^`);
    expect(await box.evaluate((input) => (input as HTMLInputElement).selectionStart)).toBe(10);

    await box.fill("params.optimizer = 'rmsprop'");
    await box.press('Enter');
    await page.getByText('No runs match the filter').waitFor();
    expect(await box.getAttribute('aria-invalid')).toBe('false');
    await page.getByRole('button', { name: 'Clear the filter' }).click();
    await expect.poll(() => rowNames(page).then((n) => n.length)).toBe(30);
  });

  it('leaves the cursor alone when the filter was edited before its error came back', async () => {
    const page = await ui().open(`#/experiments/${experimentId}`);
    await table(page).getByRole('link', { name: 'run-30' }).waitFor();
    ui().expectFailures(/runs\?/);
    // The search answers only once the box has been typed in again.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/runs\?.*filter=/, async (route) => {
      await held;
      await route.continue();
    });
    const box = page.getByRole('searchbox', { name: 'Filter runs' });
    await box.fill('params.lr 0.01');
    await box.press('Enter');
    await box.press('End');
    await box.pressSequentially(' and x');
    release();
    await page.locator('#run-filter-error').getByText(/at character 11/).waitFor();
    expect(await box.inputValue()).toBe('params.lr 0.01 and x');
    const cursor = await box.evaluate((input) => [(input as HTMLInputElement).selectionStart, (input as HTMLInputElement).selectionEnd]);
    expect(cursor).toEqual([20, 20]);
  });

  it('hides and shows columns with the column chooser, kept in the URL', async () => {
    const page = await ui().open(`#/experiments/${experimentId}`);
    await table(page).getByRole('link', { name: 'run-30' }).waitFor();
    await page.getByRole('button', { name: /^Columns/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Columns' });
    await dialog.waitFor();
    expect(await dialog.evaluate((d) => d.contains(d.ownerDocument.activeElement))).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: 'Name' }).isDisabled()).toBe(true);
    await dialog.getByRole('checkbox', { name: 'loss' }).uncheck();
    await dialog.getByRole('checkbox', { name: 'Duration' }).uncheck();
    await dialog.getByRole('button', { name: 'Done' }).click();
    // Focus goes back to the button that opened the dialog.
    await expect.poll(() => page.getByRole('button', { name: /^Columns/ }).evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
    await expect.poll(() => table(page).getByRole('columnheader', { name: 'loss' }).count()).toBe(0);
    expect(await table(page).getByRole('columnheader', { name: 'Duration' }).count()).toBe(0);
    expect(await table(page).getByRole('columnheader', { name: 'acc' }).count()).toBe(1);
    const cols = new URLSearchParams(page.url().split('?')[1]).get('cols')!.split(',');
    expect(cols).toEqual(['status', 'name', 'startedAt', 'params.layers', 'params.lr', 'params.optimizer', 'metrics.acc']);

    const again = await ui().open(page.url().slice(ui().server.baseUrl.length));
    await table(again).getByRole('link', { name: 'run-30' }).waitFor();
    expect(await table(again).getByRole('columnheader', { name: 'loss' }).count()).toBe(0);
    await again.getByRole('button', { name: /^Columns/ }).click();
    await again.getByRole('dialog', { name: 'Columns' }).getByRole('button', { name: 'Reset to default' }).click();
    await again.getByRole('button', { name: 'Done' }).click();
    await table(again).getByRole('columnheader', { name: 'loss' }).waitFor();
    expect(new URLSearchParams(again.url().split('?')[1]).get('cols')).toBeNull();
  });

  it('selects runs, keeps the selection in the URL, and compares them', async () => {
    const page = await ui().open(`#/experiments/${experimentId}`);
    await table(page).getByRole('link', { name: 'run-30' }).waitFor();
    const compare = page.getByRole('button', { name: /^Compare/ });
    expect(await compare.isDisabled()).toBe(true);
    await table(page).getByRole('checkbox', { name: 'Select run-05' }).check();
    await table(page).getByRole('checkbox', { name: 'Select run-12' }).check();
    await page.getByText('2 selected').waitFor();
    const sel = new URLSearchParams(page.url().split('?')[1]).get('sel')!.split(',');
    expect(sel).toEqual([byName('run-05').id, byName('run-12').id]);
    expect(await table(page).getByRole('checkbox', { name: 'Select all loaded runs' }).evaluate((b) => (b as HTMLInputElement).indeterminate)).toBe(true);

    const again = await ui().open(page.url().slice(ui().server.baseUrl.length));
    await table(again).getByRole('link', { name: 'run-30' }).waitFor();
    expect(await table(again).getByRole('checkbox', { name: 'Select run-12' }).isChecked()).toBe(true);
    await again.getByRole('button', { name: 'Compare 2 runs' }).click();
    await expect.poll(() => new URL(again.url()).hash.split('?')[0]).toBe('#/compare');
    expect(new URLSearchParams(new URL(again.url()).hash.split('?')[1]).get('runs')).toBe(`${byName('run-05').id},${byName('run-12').id}`);

    // The half-checked box clears the selection; then it selects every loaded run.
    const all = table(page).getByRole('checkbox', { name: 'Select all loaded runs' });
    await all.click();
    await expect.poll(() => compare.isDisabled()).toBe(true);
    expect(await all.isChecked()).toBe(false);
    expect(new URLSearchParams(page.url().split('?')[1]).get('sel')).toBeNull();
    await all.check();
    await page.getByText('30 selected').waitFor();
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await expect.poll(() => compare.isDisabled()).toBe(true);
  });

  it('summarises the parameter space, and a value click filters by it', async () => {
    const page = await ui().open(`#/experiments/${experimentId}`);
    const space = page.getByRole('table', { name: 'Parameter space' });
    await space.waitFor();
    const line = async (key: string) => space.getByRole('row').filter({ has: page.getByRole('rowheader', { name: key }) }).getByRole('cell').allTextContents();
    expect(await line('lr')).toEqual(['number', '30', '4', expect.stringContaining('0.0001 – 0.1')]);
    expect(await line('layers')).toEqual(['number', '30', '3', expect.stringContaining('2 – 8')]);
    const optimizer = await line('optimizer');
    expect(optimizer.slice(0, 3)).toEqual(['string', '30', '3']);
    expect(optimizer[3]).toMatch(/adam×10.*adamw×10.*sgd×10/);
    await space.getByRole('button', { name: /^sgd/ }).click();
    expect(await page.getByRole('searchbox', { name: 'Filter runs' }).inputValue()).toBe("params.optimizer = 'sgd'");
    await expect.poll(() => rowNames(page).then((n) => n.length)).toBe(10);
  });

  it('a value click narrows a filter that has an `or` in it as a whole', async () => {
    const filter = "params.optimizer = 'sgd' or params.optimizer = 'adam'";
    const page = await ui().open(`#/experiments/${experimentId}?filter=${encodeURIComponent(filter)}`);
    await expect.poll(() => rowNames(page).then((n) => n.length)).toBe(20);
    const space = page.getByRole('table', { name: 'Parameter space' });
    await space.getByRole('button', { name: /^0\.1\s*×/ }).click();
    // `and` binds tighter than `or`: without brackets this would be sgd or (adam and lr = 0.1).
    expect(await page.getByRole('searchbox', { name: 'Filter runs' }).inputValue()).toBe(`(${filter}) and params.lr = 0.1`);
    const expected = runs.filter((r) => (r.optimizer === 'sgd' || r.optimizer === 'adam') && r.lr === 0.1).map((r) => r.name).sort().reverse();
    expect(expected.length).toBe(6);
    await expect.poll(() => rowNames(page)).toEqual(expected);
  });

  it('lists a number and the same digits as text as two values, each with its own condition', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const mixed = await seed.experiment('mixed-values');
    for (const [name, seedValue] of [['as-number', 1], ['as-text', '1'], ['as-number-too', 1]] as const) {
      await seed.run(mixed.id, { name, parameters: { seed: seedValue } });
    }
    const page = await ui().open(`#/experiments/${mixed.id}`);
    const space = page.getByRole('table', { name: 'Parameter space' });
    const chips = space.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'seed' }) }).getByRole('button');
    await expect.poll(() => chips.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('title')))).toEqual(['Filter: params.seed = 1', "Filter: params.seed = '1'"]);
    await chips.nth(1).click();
    expect(await page.getByRole('searchbox', { name: 'Filter runs' }).inputValue()).toBe("params.seed = '1'");
    // Quoted text compares as text, where the number 1 reads '1' too (docs/search.md): all three.
    await expect.poll(() => rowNames(page).then((n) => n.length)).toBe(3);
  });

  it('designs its empty and missing states', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const empty = await seed.experiment('nothing-yet');
    const page = await ui().open(`#/experiments/${empty.id}`);
    await page.getByText('No runs yet').waitFor();
    await page.getByRole('heading', { level: 1, name: 'nothing-yet' }).waitFor();

    // The summary failing otherwise: the header stops saying it loads, the error says why, and a retry recovers.
    ui().expectFailures(/\/summary$/);
    const context = page.context();
    await context.route(/\/summary$/, (route) =>
      route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ status: 503, code: 'UNAVAILABLE', detail: 'the store is not ready' }) }),
    );
    const failing = await ui().open(`#/experiments/${empty.id}`);
    await failing.getByRole('alert').filter({ hasText: "Could not load the experiment's details" }).getByText('the store is not ready').waitFor();
    expect(await failing.getByRole('heading', { level: 1 }).innerText()).toBe(empty.id);
    expect(await failing.getByText('Loading experiment…').count()).toBe(0);
    await context.unroute(/\/summary$/);
    // A proxy's HTML error page is not the API's problem+json: the status is what is left to say.
    await context.route(/\/summary$/, (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>Bad gateway</body></html>' }));
    await failing.getByRole('button', { name: 'Try again' }).click();
    await failing.getByRole('alert').filter({ hasText: "Could not load the experiment's details" }).getByText('HTTP 502 Bad Gateway', { exact: true }).waitFor();
    await context.unroute(/\/summary$/);
    await failing.getByRole('button', { name: 'Try again' }).click();
    await failing.getByRole('heading', { level: 1, name: 'nothing-yet' }).waitFor();
    expect(await failing.getByRole('alert').count()).toBe(0);

    ui().expectFailures(/api\/experiments\/0123456789abcdef/);
    const missing = await ui().open('#/experiments/0123456789abcdef');
    await missing.getByText('Experiment not found').waitFor();
  });
});

/** Enough runs that drawing them all would show; BIG_RUNS=10000 measures the figure. */
const BIG = Number(process.env.FATHOM_UI_BIG_RUNS ?? 3000);

describeUi('the experiment page with thousands of runs', (ui) => {
  let experimentId = '';

  beforeAll(async () => {
    const seed = new Seeder(ui().server.baseUrl);
    experimentId = (await seed.experiment('big-sweep')).id;
    const started = Date.now();
    for (let offset = 0; offset < BIG; offset += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, BIG - offset) }, async (_, j) => {
          const i = offset + j;
          const run = await seed.run(experimentId, {
            name: `trial-${String(i).padStart(5, '0')}`,
            parameters: { lr: 10 ** -(1 + (i % 4)), seed: i },
            startedAt: new Date(START + i * 1000).toISOString(),
          });
          await seed.request('POST', `runs/${run.id}/metrics`, { key: 'acc', value: (i % 997) / 1000, step: 0 });
        }),
      );
    }
    console.info(`seeded ${BIG} runs in ${Date.now() - started} ms`);
  }, 600_000);

  it('shows the first rows at once, draws only what is in view, and scrolls to the last run', async () => {
    const newest = `trial-${String(BIG - 1).padStart(5, '0')}`;
    const blank = await ui().open('#/nowhere');
    // Notes when the newest run's row first appears, and how many rows the table had then.
    await blank.context().addInitScript(`
      new MutationObserver((_, observer) => {
        if ([...document.querySelectorAll('table a')].some((a) => a.textContent === ${JSON.stringify(newest)})) {
          window.firstRowAt = performance.now();
          window.rowsAtFirst = document.querySelector('table[aria-label="Runs"]')?.getAttribute('aria-rowcount');
          observer.disconnect();
        }
      }).observe(document, { subtree: true, childList: true });
      // Every text the load status shows, in order: the "of M" comes from the summary's runCount.
      window.statusTexts = [];
      new MutationObserver(() => {
        const text = document.querySelector('.load-status')?.textContent;
        if (text && text !== window.statusTexts[window.statusTexts.length - 1]) window.statusTexts.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    `);
    // The API requests for this experiment, in the order they leave.
    const requests: string[] = [];
    const onRequest = (request: Request) => {
      const url = new URL(request.url());
      if (url.pathname.includes(experimentId)) requests.push(`${request.method()} ${url.pathname}`);
    };
    blank.context().on('request', onRequest);
    const page = await ui().open(`#/experiments/${experimentId}`);
    const opened = Date.now();
    await page.getByRole('table', { name: 'Runs' }).getByRole('link', { name: newest }).waitFor();
    const first = await page.evaluate<{ firstRowAt: number; rowsAtFirst: string }>('({ firstRowAt: window.firstRowAt, rowsAtFirst: window.rowsAtFirst })');
    console.info(`the newest of ${BIG} runs was on screen ${Math.round(first.firstRowAt)} ms after navigation started`);
    // The rows came with the small first page (100 runs and the 2 header rows), not after all of them.
    expect(first.rowsAtFirst).toBe('102');
    const status = page.locator('.load-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe(`${BIG.toLocaleString('en')} runs`);
    console.info(`all ${BIG} runs loaded ${Date.now() - opened} ms after the page's load event`);
    blank.context().off('request', onRequest);

    // The header is the light summary, asked for beside the first page (before the next one), and
    // the by-id read, which would carry every run, is never made.
    const runsPath = `GET /api/experiments/${experimentId}/runs`;
    const summaryPath = `GET /api/experiments/${experimentId}/summary`;
    expect(requests.filter((r) => r === summaryPath)).toHaveLength(1);
    expect(requests.indexOf(runsPath)).toBe(0);
    expect(requests.indexOf(summaryPath)).toBeLessThan(requests.indexOf(runsPath, 1));
    expect(requests).not.toContain(`GET /api/experiments/${experimentId}`);
    await expect.poll(() => page.getByTestId('run-count').textContent()).toBe(BIG.toLocaleString('en'));
    // While the table loads, its progress counts against the summary's runCount.
    const texts = await page.evaluate<string[]>('window.statusTexts');
    expect(texts.filter((t) => t.startsWith('Loaded '))).toContainEqual(expect.stringMatching(new RegExp(`^Loaded [\\d,]+ of ${BIG.toLocaleString('en')} runs, loading more…$`)));

    const table = page.getByRole('table', { name: 'Runs' });
    expect(await table.getAttribute('aria-rowcount')).toBe(String(BIG + 2));
    const drawn = await table.locator('tbody tr[aria-rowindex]').count();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(100);

    // Scrolling to the bottom draws the oldest run, still with a few dozen rows in the DOM.
    await page.locator('.run-table-scroll').evaluate((box) => box.scrollTo(0, box.scrollHeight));
    const last = table.getByRole('link', { name: 'trial-00000' });
    await last.waitFor();
    expect(await last.isVisible()).toBe(true);
    expect(await table.locator('tbody tr[aria-rowindex]').count()).toBeLessThan(100);
    expect(await table.locator('tbody tr[aria-rowindex]').last().getAttribute('aria-rowindex')).toBe(String(BIG + 2));
    // Every row keeps its height, or the spacers would put the wrong runs in view.
    const heights = await table.locator('tbody tr[aria-rowindex]').evaluateAll((rows) => [...new Set(rows.map((r) => r.getBoundingClientRect().height))]);
    expect(heights).toEqual([32]);

    // Select all stops at what a comparison takes, half-checked; a click on it then clears.
    const all = table.getByRole('checkbox', { name: 'Select all loaded runs' });
    await all.click();
    await page.getByText('1,000 selected').waitFor();
    await page.getByText('Selected the first 1,000 runs').waitFor();
    expect(await all.evaluate((b) => (b as HTMLInputElement).indeterminate)).toBe(true);
    await all.click();
    await expect.poll(() => page.getByRole('button', { name: /^Compare/ }).isDisabled()).toBe(true);
    expect(await page.getByText(/selected$/).count()).toBe(0);
    expect(new URLSearchParams(page.url().split('?')[1]).get('sel')).toBeNull();

    // Halfway down shows the runs from the middle.
    await page.locator('.run-table-scroll').evaluate((box) => box.scrollTo(0, box.scrollHeight / 2));
    const middle = Math.floor(BIG / 2);
    await expect
      .poll(async () => (await table.locator('tbody tr[aria-rowindex]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('aria-rowindex'))))).some((n) => Math.abs(n - middle) < 5))
      .toBe(true);
  }, 120_000);
});
