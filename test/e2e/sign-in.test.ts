import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { aUser } from '../support/access.js';
import { Seeder } from '../support/seed.js';
import { describeUi } from '../support/ui.js';

/** The id part of a token (`fth_<id>_<secret>`): what the admin API revokes by. */
function tokenId(token: string): string {
  return token.split('_')[1] ?? '';
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describeUi(
  'signing in to a server with FATHOM_AUTH=token',
  (ui) => {
    it('asks for a token before showing anything, refuses a wrong one, then shows the page the link named', async () => {
      const token = await aUser(ui().server.fathom, 'ada', 'writer');
      const seed = new Seeder(ui().server.baseUrl, token);
      const experiment = await seed.experiment('private-results');
      await seed.run(experiment.id, { name: 'secret-run', parameters: { lr: 0.1 } });
      // The page's first requests go without a token and are refused: that is how it learns to ask.
      ui().expectFailures(/\/api\//);

      const hash = `#/experiments/${experiment.id}`;
      const page = await ui().open(hash);
      await page.getByRole('heading', { level: 1, name: 'Sign in to Fathom' }).waitFor();
      expect(await page.title()).toBe('Sign in · Fathom');
      expect(await page.getByText('secret-run').count()).toBe(0);
      expect(await page.getByText('private-results').count()).toBe(0);

      await signIn(page, 'fth_nothere_notasecret');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('does not accept this token');
      expect(await page.getByLabel('API token').getAttribute('aria-invalid')).toBe('true');

      await signIn(page, token);
      await page.getByRole('heading', { level: 1, name: 'private-results' }).waitFor();
      await page.getByRole('link', { name: 'secret-run', exact: true }).waitFor();
      expect(new URL(page.url()).hash).toBe(hash);
      expect(await page.locator('.session').innerText()).toContain('Signed in as ada (writer)');
      await ui().screenshot(page, 'sign-in-done');

      // A reload keeps the session (sessionStorage); a new tab does not have it.
      await page.reload();
      await page.getByRole('link', { name: 'secret-run', exact: true }).waitFor();
      const other = await ui().open(hash);
      await other.getByRole('heading', { level: 1, name: 'Sign in to Fathom' }).waitFor();
      await ui().screenshot(other, 'sign-in');

      // Signing out forgets the token at once.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Fathom' }).waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('fathom.token'))).toBeNull();
    });

    it('signs a person out when their token is revoked, saying why', async () => {
      const admin = await aUser(ui().server.fathom, 'root', 'admin');
      const token = await aUser(ui().server.fathom, 'grace', 'writer');
      const seed = new Seeder(ui().server.baseUrl, token);
      const experiment = await seed.experiment('soon-revoked');
      ui().expectFailures(/\/api\//);
      const page = await ui().open('');
      await signIn(page, token);
      await page.getByRole('link', { name: 'soon-revoked' }).waitFor();

      const revoked = await fetch(new URL(`api/admin/tokens/${tokenId(token)}`, ui().server.baseUrl), {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(revoked.status).toBe(204);
      await page.getByRole('link', { name: 'soon-revoked' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Fathom' }).waitFor();
      expect(await page.locator('.sign-in-reason').innerText()).toMatch(/You were signed out: .*revoked/i);
      expect(new URL(page.url()).hash).toBe(`#/experiments/${experiment.id}`);
    });

    it('learns of a changed role on the next page load: a demoted writer loses the write buttons', async () => {
      const admin = await aUser(ui().server.fathom, 'boss', 'admin');
      const token = await aUser(ui().server.fathom, 'wren', 'writer');
      ui().expectFailures(/\/api\//);
      const page = await ui().open('');
      await signIn(page, token);
      await page.getByRole('button', { name: 'New experiment' }).first().waitFor();
      const demoted = await fetch(new URL('api/admin/users/wren', ui().server.baseUrl), {
        method: 'PATCH',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'reader' }),
      });
      expect(demoted.status).toBe(200);
      await page.reload();
      await expect.poll(() => page.locator('.session').innerText()).toContain('wren (reader)');
      expect(await page.getByRole('button', { name: 'New experiment' }).count()).toBe(0);
    });

    it('shows a reader no write buttons, and downloads artifacts with the token', async () => {
      const writer = await aUser(ui().server.fathom, 'lin', 'writer');
      const reader = await aUser(ui().server.fathom, 'reid', 'reader');
      const seed = new Seeder(ui().server.baseUrl, writer);
      const experiment = await seed.experiment('read-only-view');
      const run = await seed.run(experiment.id, { name: 'with-model' });
      await seed.artifact(run.id, 'weights/model.bin', 'the model bytes', { type: 'model' });
      ui().expectFailures(/\/api\//);

      const page = await ui().open('');
      await signIn(page, reader);
      await page.getByRole('link', { name: 'read-only-view' }).waitFor();
      expect(await page.locator('.session').innerText()).toContain('reid (reader)');
      expect(await page.getByRole('button', { name: 'New experiment' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Delete read-only-view' }).count()).toBe(0);

      await page.goto(`${ui().server.baseUrl}#/runs/${run.id}`);
      // A button, not a link: a link opened in a new tab would go without the token (a 401 page).
      const button = page.getByRole('button', { name: 'Download weights/model.bin version 1' });
      await button.waitFor();
      expect(await page.getByRole('link', { name: 'Download weights/model.bin version 1' }).count()).toBe(0);
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      expect(download.suggestedFilename()).toBe('model.bin');
      expect(await readFile(await download.path(), 'utf8')).toBe('the model bytes');
    });
  },
  { auth: 'token' },
);
