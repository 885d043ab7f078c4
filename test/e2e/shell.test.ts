import { expect, it } from 'vitest';
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
