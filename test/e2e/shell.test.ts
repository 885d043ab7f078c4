import { expect, it } from 'vitest';
import { Seeder } from '../support/seed.js';
import { describeUi } from '../support/ui.js';

describeUi('the web UI shell', (ui) => {
  it('serves the UI at / with its title and navigation', async () => {
    const page = await ui().open();
    await expect.poll(() => page.title()).toBe('Experiments · Fathom');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).getAttribute('aria-current')).toBe('page');
  });

  it('shows a designed page for an unknown view', async () => {
    const page = await ui().open('#/nowhere');
    await page.getByText('There is no such page').waitFor();
    await page.getByRole('link', { name: 'Go to the experiments' }).click();
    await expect.poll(() => page.title()).toBe('Experiments · Fathom');
  });
});

describeUi('the first load of a shared link', (ui) => {
  it("asks for the page's data once, while the page's code is still loading", async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('prefetch');
    const runs = [];
    for (const name of ['a', 'b']) {
      const run = await seed.run(experiment.id, { name, parameters: { lr: name === 'a' ? 0.1 : 0.01 } });
      await seed.metric(run.id, 'loss', [1, 0.5, 0.25]);
      runs.push(run.id);
    }
    for (const [hash, ready] of [
      [`#/compare?runs=${runs.join(',')}&metrics=loss&goals=loss:max`, '.chart-canvas[data-series-count="2"]'],
      [`#/experiments/${experiment.id}?filter=${encodeURIComponent('params.lr > 0')}&sort=${encodeURIComponent('params.lr desc')}`, 'table[aria-label="Runs"] tbody tr[aria-rowindex]'],
    ] as const) {
      const requests: string[] = [];
      const page = await ui().open('#/nowhere');
      page.on('request', (request) => {
        if (request.url().includes('/api/')) requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
      });
      await page.goto(`${ui().server.baseUrl}${hash}`);
      await page.reload();
      // 90 s: on CI every other suite runs beside this one on two cores (it asserts what is asked, not how fast).
      await page.locator(ready).first().waitFor({ timeout: 90_000 });
      await page.waitForLoadState('networkidle');
      const counts = requests.reduce<Record<string, number>>((all, r) => ({ ...all, [r]: (all[r] ?? 0) + 1 }), {});
      // Each request once: the page took the answers asked for before it was loaded.
      expect(Object.values(counts).every((n) => n === 1), JSON.stringify(counts)).toBe(true);
      expect(Object.keys(counts).length).toBeGreaterThanOrEqual(2);
    }
  });
});
