import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { formatDate } from '../../src/adapters/http/ui/web/lib/format.js';
import { Seeder } from '../support/seed.js';
import { describeUi } from '../support/ui.js';

interface Summary {
  id: string;
  name: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  lifecycleStage: string;
}

/** The experiments these tests share, oldest first (the list shows them newest first). */
const SEEDS = [
  { name: 'mnist-cnn', tags: ['vision', 'baseline'], description: 'Convolutional baseline on MNIST', runs: 3 },
  { name: 'cifar-resnet', tags: ['vision'], description: 'ResNet-18 on CIFAR-10', runs: 2 },
  { name: 'bert-finetune', tags: ['nlp'], description: 'BERT fine-tuned on SST-2', runs: 1 },
  { name: 'gpt-distill', tags: ['nlp', 'baseline'], description: 'Distilling a small GPT', runs: 0 },
  { name: 'tabular-xgb', tags: [], description: 'Gradient boosting on the census data', runs: 4 },
];

describeUi('the experiments page', (ui) => {
  let seeded: Promise<Record<string, string>> | undefined;
  const seeder = () => new Seeder(ui().server.baseUrl);
  /** Seeds once, after the fresh-server test has seen the server empty. */
  const seed = () =>
    (seeded ??= (async () => {
      const ids: Record<string, string> = {};
      for (const { name, tags, description, runs } of SEEDS) {
        const { id } = await seeder().experiment(name, { tags, description });
        ids[name] = id;
        for (let i = 0; i < runs; i++) await seeder().run(id, { name: `${name}-run-${i}` });
      }
      return ids;
    })());

  const names = (page: Page) => page.locator('table.experiments-table tbody th[scope="row"]').allTextContents();
  const row = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
  /** The aria-label of what has focus (the test's tsconfig has no DOM types, hence the string). */
  const focusedLabel = (page: Page) => page.evaluate<string | null>('document.activeElement?.getAttribute("aria-label") ?? null');
  const tagFilter = (page: Page) => page.getByRole('group', { name: 'Filter by tag' });
  const experiment = (name: string, lifecycle = 'all') =>
    seeder()
      .request<{ experiments: Summary[] }>('GET', `experiments?lifecycle=${lifecycle}&name=${encodeURIComponent(name)}`)
      .then((r) => r.experiments.find((e) => e.name === name));

  it('on a fresh server shows the Default experiment with how to log runs, and an empty state once it is gone', async () => {
    const page = await ui().open('#/');
    await row(page, 'Default').waitFor();
    expect(await names(page)).toEqual(['Default']);
    await page.getByText('No runs logged yet').waitFor();
    await page.getByText(`export MLFLOW_TRACKING_URI=${ui().server.baseUrl.replace(/\/$/, '')}`).waitFor();

    await seeder().request('DELETE', 'experiments/0?permanent=true');
    const empty = await ui().open('#/');
    await empty.getByText('Create your first experiment').waitFor();
    await empty.getByText(/curl -X POST .*\/api\/experiments/).waitFor();
    expect(await empty.locator('table').count()).toBe(0);

    await empty.getByLabel('Show deleted').check();
    await empty.getByText('The trash is empty').waitFor();
    expect(empty.url()).toContain('trash=1');
  });

  it('lists the experiments newest first with descriptions, tags, run counts, dates and creators, and sorts by a header', async () => {
    await seed();
    const page = await ui().open('#/');
    await expect.poll(() => names(page)).toEqual(['tabular-xgb', 'gpt-distill', 'bert-finetune', 'cifar-resnet', 'mnist-cnn']);
    await page.getByText('5 experiments').waitFor();

    const mnist = row(page, 'mnist-cnn');
    const cells = await mnist.getByRole('cell').allTextContents();
    const seeded = await experiment('mnist-cnn');
    expect(cells.slice(0, 6)).toEqual([
      'Convolutional baseline on MNIST',
      'visionbaseline',
      '3',
      formatDate(seeded?.createdAt),
      formatDate(seeded?.updatedAt),
      'anonymous',
    ]);
    expect(cells[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(await row(page, 'tabular-xgb').getByRole('cell').nth(2).textContent()).toBe('4');
    expect(await row(page, 'gpt-distill').getByRole('cell').nth(2).textContent()).toBe('0');
    expect(await mnist.getByRole('link', { name: 'mnist-cnn' }).getAttribute('href')).toBe(`#/experiments/${seeded?.id}`);
    expect(await tagFilter(page).getByRole('button').allTextContents()).toEqual(['baseline', 'nlp', 'vision']);
    expect(await page.getByRole('columnheader', { name: 'Created', exact: true }).getAttribute('aria-sort')).toBe('descending');
    await ui().screenshot(page, 'experiments');

    await page.getByRole('button', { name: 'Name' }).click();
    await expect.poll(() => names(page)).toEqual(['bert-finetune', 'cifar-resnet', 'gpt-distill', 'mnist-cnn', 'tabular-xgb']);
    expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByRole('columnheader', { name: 'Created', exact: true }).getAttribute('aria-sort')).toBe('none');
    expect(page.url()).toContain('sort=name');
    await page.getByRole('button', { name: 'Name' }).click();
    await expect.poll(() => names(page)).toEqual(['tabular-xgb', 'mnist-cnn', 'gpt-distill', 'cifar-resnet', 'bert-finetune']);
    expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('descending');
  });

  it('narrows the list by a name search kept in the URL, and clears filters when nothing matches', async () => {
    await seed();
    const page = await ui().open('#/');
    await row(page, 'mnist-cnn').waitFor();
    const box = page.getByRole('searchbox', { name: 'Search experiments by name' });
    await box.fill('ResN');
    await expect.poll(() => names(page)).toEqual(['cifar-resnet']);
    await expect.poll(() => page.url()).toContain('q=ResN');

    const again = await ui().open(`#/${page.url().split('#/')[1]}`);
    await expect.poll(() => names(again)).toEqual(['cifar-resnet']);
    expect(await again.getByRole('searchbox', { name: 'Search experiments by name' }).inputValue()).toBe('ResN');

    await box.fill('no-such-experiment');
    await page.getByText('No experiment matches').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => names(page)).toHaveLength(5);
    expect(await box.inputValue()).toBe('');
    expect(page.url()).not.toContain('q=');
  });

  it('filters by tag chips (all selected tags must match), from the chip bar and from a row', async () => {
    await seed();
    const page = await ui().open('#/');
    await row(page, 'mnist-cnn').waitFor();
    await tagFilter(page).getByRole('button', { name: 'vision' }).click();
    await expect.poll(() => names(page)).toEqual(['cifar-resnet', 'mnist-cnn']);
    expect(await tagFilter(page).getByRole('button', { name: 'vision' }).getAttribute('aria-pressed')).toBe('true');

    await row(page, 'mnist-cnn').getByRole('button', { name: 'baseline' }).click();
    await expect.poll(() => names(page)).toEqual(['mnist-cnn']);
    expect(decodeURIComponent(page.url())).toContain('tags=vision,baseline');

    const again = await ui().open(`#/${page.url().split('#/')[1]}`);
    await expect.poll(() => names(again)).toEqual(['mnist-cnn']);
    expect(await tagFilter(again).getByRole('button', { name: 'baseline' }).getAttribute('aria-pressed')).toBe('true');

    await tagFilter(page).getByRole('button', { name: 'vision' }).click();
    await expect.poll(() => names(page)).toEqual(['gpt-distill', 'mnist-cnn']);
    expect(await tagFilter(page).getByRole('button', { name: 'vision' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('creates an experiment from the dialog, showing the API refusals next to the name', async () => {
    await seed();
    ui().expectFailures(/\/api\/experiments$/);
    const page = await ui().open('#/');
    await row(page, 'mnist-cnn').waitFor();
    await page.getByRole('button', { name: 'New experiment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New experiment' });
    await dialog.waitFor();
    const name = dialog.getByLabel('Name');
    await expect.poll(() => name.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);

    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.locator('#experiment-name-error').textContent()).toMatch(/1-256 characters/);

    await name.fill('mnist-cnn');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('#experiment-name-error', { hasText: /mnist-cnn/ }).waitFor();
    expect(await dialog.locator('#experiment-name-error').textContent()).toMatch(/already/i);

    await name.fill('speech-whisper');
    await dialog.getByLabel('Description').fill('Whisper on LibriSpeech');
    await dialog.getByLabel('Tags').fill('Audio, baseline,');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/experiments\/[0-9a-f]+$/);
    const created = await experiment('speech-whisper');
    expect(page.url()).toContain(`#/experiments/${created?.id}`);
    expect(created?.tags.sort()).toEqual(['audio', 'baseline']);
  });

  it('renames an experiment and edits its tags from the row, a taken name refused inline', async () => {
    await seed();
    ui().expectFailures(/\/api\/experiments\/[0-9a-f]+$/);
    const page = await ui().open('#/');
    // Escape closes the dialog, and focus goes back to the button that opened it.
    await page.getByRole('button', { name: 'Edit cifar-resnet' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit “cifar-resnet”' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => focusedLabel(page)).toBe('Edit cifar-resnet');

    await page.getByRole('button', { name: 'Edit cifar-resnet' }).click();
    await dialog.waitFor();
    expect(await dialog.getByLabel('Tags').inputValue()).toBe('vision');

    await dialog.getByLabel('Name').fill('mnist-cnn');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.locator('#experiment-name-error', { hasText: /already/i }).waitFor();

    await dialog.getByLabel('Name').fill('cifar-resnet50');
    await dialog.getByLabel('Tags').fill('vision, resnet');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Saved “cifar-resnet50”.').waitFor();
    await row(page, 'cifar-resnet50').waitFor();
    expect(await row(page, 'cifar-resnet50').getByRole('cell').nth(1).textContent()).toBe('visionresnet');
    expect(await row(page, 'cifar-resnet').count()).toBe(0);
    // Focus is back on the row's Edit button, now named after the new name.
    await expect.poll(() => focusedLabel(page)).toBe('Edit cifar-resnet50');
    expect((await experiment('cifar-resnet50'))?.tags).toEqual(['vision', 'resnet']);

    // The tags alone: the name is not sent again.
    await page.getByRole('button', { name: 'Edit cifar-resnet50' }).click();
    const tagsOnly = page.getByRole('dialog', { name: 'Edit “cifar-resnet50”' });
    await tagsOnly.getByLabel('Tags').fill('vision');
    await tagsOnly.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row(page, 'cifar-resnet50').getByRole('cell').nth(1).textContent()).toBe('vision');
  });

  it('moves an experiment to the trash after asking, finds it under Show deleted and restores it', async () => {
    await seed();
    const page = await ui().open('#/');
    await page.getByRole('button', { name: 'Delete bert-finetune' }).click();
    const dialog = page.getByRole('dialog', { name: 'Move to the trash?' });
    await dialog.getByText(/bert-finetune.*and its 1 run move to the trash/).waitFor();
    await dialog.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByText('Moved “bert-finetune” to the trash.').waitFor();
    await expect.poll(() => names(page)).not.toContain('bert-finetune');
    expect((await experiment('bert-finetune'))?.lifecycleStage).toBe('deleted');

    await page.getByLabel('Show deleted').check();
    await expect.poll(() => names(page)).toEqual(['bert-finetune']);
    expect(page.url()).toContain('trash=1');
    await page.getByRole('heading', { name: 'Deleted experiments' }).waitFor();
    await page.getByRole('button', { name: 'Restore bert-finetune' }).click();
    await page.getByText('Restored “bert-finetune”.').waitFor();
    await page.getByText('The trash is empty').waitFor();
    await page.getByLabel('Show deleted').uncheck();
    await expect.poll(() => names(page)).toContain('bert-finetune');
    expect((await experiment('bert-finetune'))?.lifecycleStage).toBe('active');

    // Undo right after a deletion restores it.
    await page.getByRole('button', { name: 'Delete tabular-xgb' }).click();
    await page.getByRole('dialog', { name: 'Move to the trash?' }).getByRole('button', { name: 'Move to trash' }).click();
    await expect.poll(() => names(page)).not.toContain('tabular-xgb');
    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await page.getByText('Restored “tabular-xgb”.').waitFor();
    await expect.poll(() => names(page)).toContain('tabular-xgb');
  });

  it('says why a deleted experiment cannot be restored while another holds its name', async () => {
    const ids = await seed();
    ui().expectFailures(/\/restore$/);
    await seeder().request('DELETE', `experiments/${ids['gpt-distill']}`);
    await seeder().experiment('gpt-distill');
    const page = await ui().open('#/?trash=1');
    await page.getByRole('button', { name: 'Restore gpt-distill' }).click();
    await row(page, 'gpt-distill').getByRole('alert').filter({ hasText: 'an active experiment is already named “gpt-distill”' }).waitFor();
    expect(await names(page)).toEqual(['gpt-distill']);
  });

  it('shows a load error with a retry', async () => {
    await seed();
    ui().expectFailures(/\/api\/experiments\?/);
    const page = await ui().open('#/');
    await row(page, 'mnist-cnn').waitFor();
    await page.route(/\/api\/experiments\?/, (route) =>
      route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ status: 503, code: 'UNAVAILABLE', detail: 'the store is not ready' }) }),
    );
    await page.getByRole('searchbox', { name: 'Search experiments by name' }).fill('mnist');
    await page.getByRole('alert').filter({ hasText: 'Could not load experiments' }).getByText('the store is not ready').waitFor();
    await page.unroute(/\/api\/experiments\?/);
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => names(page)).toEqual(['mnist-cnn']);
  });

  it('pages through many experiments with Load more', async () => {
    await seed();
    for (let start = 0; start < 105; start += 15) {
      await Promise.all(Array.from({ length: Math.min(15, 105 - start) }, (_, i) => seeder().experiment(`bulk-${String(start + i).padStart(3, '0')}`, { tags: ['bulk'] })));
    }
    const page = await ui().open('#/?tags=bulk&sort=name');
    await expect.poll(() => names(page)).toHaveLength(100);
    await page.getByText('Showing the first 100 experiments').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => names(page)).toHaveLength(105);
    expect((await names(page)).at(-1)).toBe('bulk-104');
    await page.getByText('105 experiments').waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });
});
