import type { Page, Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { Seeder } from '../support/seed.js';
import { describeUi } from '../support/ui.js';

/** The cells of a table row, as a user reads them. */
async function rowTexts(page: Page, table: string, rowName: string | RegExp): Promise<string[]> {
  const row = page.getByRole('table', { name: table }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: rowName, exact: true }) });
  return (await row.locator('th, td').allInnerTexts()).map((t) => t.trim());
}

describeUi('the run page', (ui) => {
  it('shows a finished run: header, lineage, parameters, tags, metrics with charts and artifacts', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('vision-models');
    const parent = await seed.run(experiment.id, { name: 'sweep' });
    const run = await seed.run(experiment.id, {
      name: 'resnet-lr-0.01',
      parentRunId: parent.id,
      parameters: { optimizer: 'adam', lr: 0.01, epochs: 30, augment: true },
      tags: { team: 'vision', 'git.commit': 'abc123' },
      startedAt: '2026-01-15T10:00:00Z',
    });
    const child = await seed.run(experiment.id, { name: 'resnet-eval', parentRunId: run.id });
    // 5,000 points from 5 down to 0.001: mean 2.5005; the other metric holds a NaN, which min, max and mean ignore.
    await seed.metric(run.id, 'train/loss', Array.from({ length: 5000 }, (_, i) => (5000 - i) / 1000));
    await seed.metric(run.id, 'accuracy', [0.5, 'NaN', 0.7, 0.9]);
    const modelV1 = 'weights-v1';
    const modelV2 = 'weights-v2-bigger';
    const v1 = await seed.artifact(parent.id, 'model.pt', modelV1, { type: 'model' });
    const v2 = await seed.artifact(run.id, 'model.pt', modelV2, { type: 'model' });
    await seed.artifact(run.id, 'plots/loss curve.png', 'PNG bytes', { type: 'figure' });
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    await seed.finish(parent.id);
    await seed.finish(child.id, 'failed');
    await seed.finish(run.id, 'completed', '2026-01-15T11:05:00Z');

    const hash = `#/runs/${run.id}`;
    // Every API request the page makes, watched from before it opens.
    const requests: string[] = [];
    const onRequest = (request: Request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) requests.push(`${request.method()} ${url.pathname}`);
    };
    const blank = await ui().open('#/nowhere');
    blank.context().on('request', onRequest);
    const page = await ui().open(hash);
    await page.getByRole('heading', { level: 1, name: 'resnet-lr-0.01' }).waitFor();

    // Header: the experiment's name in the breadcrumbs comes from its summary (no runs in it),
    // not from a comparison of this run nor from the by-id read of the whole experiment.
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumbs' });
    await crumbs.getByRole('link', { name: 'vision-models' }).waitFor();
    blank.context().off('request', onRequest);
    expect(requests).toContain(`GET /api/experiments/${experiment.id}/summary`);
    expect(requests.filter((r) => r.includes('/compare') || r === `GET /api/experiments/${experiment.id}`)).toEqual([]);
    expect(await crumbs.getByRole('link', { name: 'vision-models' }).getAttribute('href')).toBe(`#/experiments/${experiment.id}`);
    expect(await page.getByTestId('run-status').innerText()).toBe('completed');
    expect(await page.getByTestId('run-duration').innerText()).toBe('1 h 5 min');
    expect(await page.locator('.run-facts').innerText()).toContain('anonymous');
    expect(await page.locator('.run-id code').innerText()).toBe(run.id);
    expect(await page.locator('.live-indicator').count()).toBe(0);

    // Parameters and tags, sorted by key.
    expect(await page.getByRole('table', { name: /Parameters/ }).getByRole('rowheader').allInnerTexts()).toEqual(['augment', 'epochs', 'lr', 'optimizer']);
    expect(await rowTexts(page, 'Parameters (4)', 'lr')).toEqual(['lr', '0.01', 'number']);
    expect(await rowTexts(page, 'Parameters (4)', 'augment')).toEqual(['augment', 'true', 'boolean']);
    expect(await rowTexts(page, 'Tags (2)', 'team')).toEqual(['team', 'vision']);
    expect(await page.getByRole('table', { name: /Tags/ }).getByRole('rowheader').allInnerTexts()).toEqual(['git.commit', 'team']);

    // Metric summaries.
    expect(await rowTexts(page, 'Metric summary', 'train/loss')).toEqual(['train/loss', '0.001', '4999', '0.001', '5', '2.5005', '5,000']);
    expect(await rowTexts(page, 'Metric summary', 'accuracy')).toEqual(['accuracy', '0.9', '3', '0.5', '0.9', '0.7', '4']);

    // One chart per key, each drawing one line; the long history arrives downsampled.
    const loss = page.getByRole('img', { name: /^train\/loss: 1 line/ });
    const accuracy = page.getByRole('img', { name: /^accuracy: 1 line, 4 points/ });
    await expect.poll(() => loss.getAttribute('data-series-count')).toBe('1');
    await expect.poll(() => accuracy.getAttribute('data-series-count')).toBe('1');
    expect(await page.locator('.chart-canvas').count()).toBe(2);
    const lossPoints = Number(/(\d+) points/.exec((await loss.getAttribute('aria-label')) ?? '')?.[1]);
    expect(lossPoints).toBeGreaterThan(100);
    expect(lossPoints).toBeLessThanOrEqual(1000);
    await page.getByText(`${lossPoints.toLocaleString('en-US')} of 5,000 points shown`).waitFor();

    // Artifacts: every version of the run's files, with a download of the right bytes.
    const model = await rowTexts(page, 'Artifacts (2)', 'model.pt');
    expect(model.slice(0, 4)).toEqual(['model.pt', 'model', '2', `${modelV2.length} B`]);
    expect(model[4]).toContain(v2.sha256.slice(0, 12));
    expect(await page.locator(`.artifacts code[title="${v2.sha256}"]`).count()).toBe(1);
    for (const [name, content] of [
      ['model.pt', modelV2],
      ['plots/loss curve.png', 'PNG bytes'],
    ] as const) {
      const href = await page.getByRole('link', { name: `Download ${name} version` }).getAttribute('href');
      expect(href).not.toBeNull();
      expect(await page.evaluate(async (url) => (await fetch(url)).text(), href as string)).toBe(content);
    }

    // The experiment's versions of the model: both, this run's highlighted, the other a link.
    const history = page.getByRole('table', { name: /Version history of the model model\.pt/ });
    await history.getByRole('row').nth(2).waitFor();
    const rows = history.getByRole('row');
    expect(await rows.count()).toBe(3);
    expect((await rows.nth(1).locator('td').allInnerTexts()).slice(0, 2)).toEqual(['2', 'this run']);
    expect(await rows.nth(1).getAttribute('class')).toBe('current-run');
    expect((await rows.nth(2).locator('td').allInnerTexts())[0]).toBe('1');
    expect(await rows.nth(2).getByRole('link').getAttribute('href')).toBe(`#/runs/${parent.id}`);
    expect(await rows.nth(2).locator('code').getAttribute('title')).toBe(v1.sha256);

    await ui().screenshot(page, 'run');

    // Hovering a chart reads out the value under the cursor.
    await page.locator('.chart').filter({ has: loss }).locator('.u-over').hover();
    await expect.poll(() => page.locator('.chart').filter({ has: loss }).locator('.chart-readout').innerText()).toMatch(/^step \d+ · train\/loss: \d/);

    // Chart controls land in the URL and survive a reload.
    await page.getByLabel('Smoothing').fill('0.6');
    await page.getByLabel('Log scale').check();
    await page.getByRole('radio', { name: 'Time' }).check();
    await expect.poll(() => new URL(page.url()).hash).toMatch(/smooth=0\.6/);
    const shared = new URL(page.url()).hash;
    expect(shared).toContain('log=1');
    expect(shared).toContain('x=time');
    const again = await ui().open(shared);
    await again.getByRole('heading', { level: 1, name: 'resnet-lr-0.01' }).waitFor();
    expect(await again.getByLabel('Smoothing').inputValue()).toBe('0.6');
    expect(await again.getByLabel('Log scale').isChecked()).toBe(true);
    expect(await again.getByRole('radio', { name: 'Time' }).isChecked()).toBe(true);
    await expect.poll(() => again.getByRole('img', { name: /^accuracy/ }).getAttribute('data-series-count')).toBe('1');
    const againLoss = again.locator('.chart').filter({ has: again.getByRole('img', { name: /^train\/loss/ }) });
    await againLoss.locator('.u-over').hover();
    await expect.poll(() => againLoss.locator('.chart-readout').innerText()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d · train\/loss: \d/);

    // Lineage: the parent and the child are links to their runs.
    const lineage = page.getByRole('region', { name: 'Lineage' });
    expect(await lineage.getByText('failed').count()).toBe(1);
    await lineage.getByRole('link', { name: 'resnet-eval' }).click();
    await page.getByRole('heading', { level: 1, name: 'resnet-eval' }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/runs/${child.id}`);
    await page.getByRole('region', { name: 'Lineage' }).getByRole('link', { name: 'resnet-lr-0.01' }).click();
    await page.getByRole('heading', { level: 1, name: 'resnet-lr-0.01' }).waitFor();
    await page.getByRole('region', { name: 'Lineage' }).getByRole('link', { name: 'sweep' }).click();
    await page.getByRole('heading', { level: 1, name: 'sweep' }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/runs/${parent.id}`);
  });

  it('draws a point that has gaps on both sides (a lone value, or one between NaNs)', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('lone-points');
    const run = await seed.run(experiment.id, { name: 'lone' });
    await seed.metric(run.id, 'single', [0.5]);
    await seed.metric(run.id, 'between', ['NaN', 0.7, 'NaN']);
    await seed.finish(run.id);
    const page = await ui().open(`#/runs/${run.id}`);
    for (const key of ['single', 'between']) {
      const canvas = page.getByRole('img', { name: new RegExp(`^${key}: 1 line`) }).locator('canvas');
      await canvas.waitFor();
      // The line colour of the first series is a saturated blue; axes and grid are grey.
      const blue = await canvas.evaluate((element: HTMLCanvasElement) => {
        const { data } = (element.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, element.width, element.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if ((data[i + 2] as number) > (data[i] as number) + 80 && (data[i + 3] as number) > 200) count++;
        return count;
      });
      expect(blue, key).toBeGreaterThan(4);
    }
  });

  it('draws a log-scale chart differently: values from 1e-3 to 1e3 climb steadily instead of hugging the floor', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('log-scale');
    const run = await seed.run(experiment.id, { name: 'decades' });
    await seed.metric(run.id, 'span', Array.from({ length: 61 }, (_, i) => 10 ** (-3 + i / 10)));
    await seed.finish(run.id);
    const page = await ui().open(`#/runs/${run.id}`);
    const holder = page.getByRole('img', { name: /^span: 1 line/ });
    // Where the line crosses the middle column of the canvas, as a fraction of the canvas height
    // (0 = top): the mean row of its blue pixels there (axes and grid are grey).
    const middleHeight = () =>
      holder.locator('canvas').evaluate((element: HTMLCanvasElement) => {
        const x = Math.round(element.width / 2);
        const { data } = (element.getContext('2d') as CanvasRenderingContext2D).getImageData(x - 2, 0, 5, element.height);
        const rows: number[] = [];
        for (let i = 0; i < data.length; i += 4) if ((data[i + 2] as number) > (data[i] as number) + 80 && (data[i + 3] as number) > 200) rows.push(Math.floor(i / 4 / 5));
        return rows.length === 0 ? -1 : rows.reduce((a, b) => a + b, 0) / rows.length / element.height;
      });
    await expect.poll(() => holder.getAttribute('data-series-count')).toBe('1');
    // Linear: 1.0 of a 0..1000 axis sits on the floor of the plot (the x-axis takes the canvas' bottom quarter).
    const linear = await middleHeight();
    expect(linear).toBeGreaterThan(0.6);
    await page.getByLabel('Log scale').check();
    // Logarithmic: 1.0 is half-way between 1e-3 and 1e3.
    await expect.poll(middleHeight).toBeLessThan(linear - 0.15);
    expect(await middleHeight()).toBeGreaterThan(0.15);
    // Smoothing (a moving average lagging behind a climbing curve) draws the line lower still.
    const log = await middleHeight();
    await page.getByLabel('Smoothing').fill('0.95');
    await expect.poll(middleHeight).toBeGreaterThan(log + 0.05);
  });

  it('names the version history of a model whose name has a space', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('spaced-names');
    const run = await seed.run(experiment.id, { name: 'spaced' });
    await seed.artifact(run.id, 'best model.pt', 'weights', { type: 'model' });
    await seed.finish(run.id);
    const page = await ui().open(`#/runs/${run.id}`);
    const history = page.getByRole('table', { name: 'Version history of the model best model.pt in this experiment' });
    await history.getByRole('row').nth(1).waitFor();
    expect((await history.getByRole('row').nth(1).locator('td').allInnerTexts()).slice(0, 2)).toEqual(['1', 'this run']);
  });

  it('says so when its parent run cannot be loaded, and loads it again on request', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('lost-parent');
    const parent = await seed.run(experiment.id, { name: 'the-parent' });
    const run = await seed.run(experiment.id, { name: 'the-child', parentRunId: parent.id });
    await seed.finish(run.id);
    await seed.finish(parent.id);
    const parentUrl = new RegExp(`/api/runs/${parent.id}$`);
    ui().expectFailures(parentUrl);
    const blank = await ui().open('#/nowhere');
    await blank.context().route(parentUrl, (route) =>
      route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ status: 503, code: 'UNAVAILABLE', detail: 'the store is not ready' }) }),
    );
    const page = await ui().open(`#/runs/${run.id}`);
    const lineage = page.getByRole('region', { name: 'Lineage' });
    await lineage.getByRole('alert').getByText('Could not load the parent run: the store is not ready').waitFor();
    // The link still leads to the parent, by its id.
    expect(await lineage.getByRole('link', { name: parent.id }).getAttribute('href')).toBe(`#/runs/${parent.id}`);
    await blank.context().unroute(parentUrl);
    await lineage.getByRole('button', { name: 'Try again' }).click();
    await lineage.getByRole('link', { name: 'the-parent' }).waitFor();
    expect(await lineage.getByRole('alert').count()).toBe(0);
  });

  it('says so when the run does not exist', async () => {
    ui().expectFailures(/api\/runs\/no-such-run/);
    const page = await ui().open('#/runs/no-such-run');
    await page.getByRole('alert').getByText('Run not found').waitFor();
  });

  it('follows a running run live until it finishes, and stops polling when left', async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('live-training');
    const run = await seed.run(experiment.id, { name: 'training-now' });
    const page = await ui().open(`#/runs/${run.id}`);
    await page.getByRole('heading', { level: 1, name: 'training-now' }).waitFor();
    expect(await page.getByTestId('run-status').innerText()).toBe('running');
    await page.locator('.live-indicator').waitFor();
    await page.getByText('No metrics yet').waitFor();
    await page.getByText('No artifacts').waitFor();

    const start = Date.now();
    const log = (from: number, count: number) =>
      seed.request('POST', `runs/${run.id}/metrics`, {
        metrics: Array.from({ length: count }, (_, i) => ({ key: 'loss', value: 1 / (from + i + 1), step: from + i, timestamp: new Date(start + (from + i) * 1000).toISOString() })),
      });
    await log(0, 10);
    await seed.metric(run.id, 'lr', [0.1, 0.05]);
    const chart = page.getByRole('img', { name: /^loss: 1 line/ });
    await expect.poll(() => chart.getAttribute('aria-label'), { timeout: 10_000 }).toBe('loss: 1 line, 10 points');
    await expect.poll(() => page.getByRole('img', { name: /^lr: 1 line/ }).getAttribute('aria-label'), { timeout: 10_000 }).toBe('lr: 1 line, 2 points');
    // The keys each poll asks the histories of: only those whose summary moved since the last poll.
    const asked: string[][] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/metrics/series')) asked.push((JSON.parse(request.postData() ?? '{}') as { keys: string[] }).keys);
    });
    // The breadcrumbs' experiment name is read once, not again on every poll.
    const summaries: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(`/experiments/${experiment.id}/summary`)) summaries.push(request.url());
    });
    await log(10, 15);
    await expect.poll(() => chart.getAttribute('aria-label'), { timeout: 10_000 }).toBe('loss: 1 line, 25 points');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((keys) => keys.length === 1 && keys[0] === 'loss'), JSON.stringify(asked)).toBe(true);
    expect(await chart.getAttribute('data-series-count')).toBe('1');
    expect(summaries).toEqual([]);
    expect(await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'live-training' }).count()).toBe(1);

    // A hidden tab does not poll; shown again, it catches up at once.
    const seen: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(run.id)) seen.push(request.url());
    });
    // As the browser does when the tab is switched away from (a script string: the tests' TypeScript has no DOM types).
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate(`Object.defineProperty(document, 'visibilityState', { value: '${state}', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));`);
    await setVisibility('hidden');
    await page.waitForTimeout(3500);
    seen.length = 0;
    await log(25, 5);
    await page.waitForTimeout(3500);
    expect(seen).toEqual([]);
    expect(await chart.getAttribute('aria-label')).toBe('loss: 1 line, 25 points');
    await setVisibility('visible');
    // At once means well before the next 3 s poll would; the bound is loose for a busy machine.
    await expect.poll(() => chart.getAttribute('aria-label'), { timeout: 10_000 }).toBe('loss: 1 line, 30 points');

    // Leaving the page stops the poll: no request for the run while another view is shown.
    await page.waitForTimeout(500);
    seen.length = 0;
    await page.evaluate("location.hash = '#/'");
    await page.waitForTimeout(3500);
    expect(seen).toEqual([]);
    await page.goBack();
    await page.locator('.live-indicator').waitFor();

    await seed.finish(run.id);
    await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 10_000 }).toBe('completed');
    expect(await page.locator('.live-indicator').count()).toBe(0);
  });
});
