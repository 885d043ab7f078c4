import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { aUser } from '../support/access.js';
import { Seeder } from '../support/seed.js';
import { describeUi } from '../support/ui.js';

/**
 * Keyboard and screen-reader basics on every page, checked the same way everywhere: each control
 * has an accessible name, images have text alternatives, ids are unique, the page has one h1,
 * text has WCAG AA contrast against what is behind it, and Tab moves a visible focus through the
 * page's controls.
 */

interface Findings {
  unnamed: string[];
  imagesWithoutAlt: string[];
  duplicateIds: string[];
  headings: number;
  lang: string;
  lowContrast: string[];
}

async function audit(page: Page): Promise<Findings> {
  return page.evaluate(() => {
    const describe = (el: Element) => `<${el.tagName.toLowerCase()}${el.id ? ` id=${el.id}` : ''}${el.className && typeof el.className === 'string' ? ` class="${el.className}"` : ''}> ${el.outerHTML.slice(0, 120)}`;
    const visible = (el: Element) => {
      const box = (el as HTMLElement).getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    const nameOf = (el: Element): string => {
      const labelledBy = el.getAttribute('aria-labelledby');
      if (labelledBy) return labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
      const aria = el.getAttribute('aria-label');
      if (aria) return aria.trim();
      const labels = (el as HTMLInputElement).labels;
      if (labels && labels.length > 0) return [...labels].map((l) => l.textContent ?? '').join(' ').trim();
      if (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'button')) return el.value;
      const title = el.getAttribute('title');
      const text = (el.textContent ?? '').trim();
      return text || title || (el.querySelector('img[alt]')?.getAttribute('alt') ?? '');
    };
    const controls = [...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=checkbox], [role=slider]')].filter(visible);
    const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
    // WCAG 2 contrast of each visible text against the first opaque background behind it.
    const rgba = (color: string): number[] => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) =>
      [r, g, b].map((c) => ((c ?? 0) / 255 <= 0.03928 ? (c ?? 0) / 255 / 12.92 : (((c ?? 0) / 255 + 0.055) / 1.055) ** 2.4)).reduce((sum, c, i) => sum + c * ([0.2126, 0.7152, 0.0722][i] ?? 0), 0);
    const background = (el: Element | null): number[] => {
      for (let at = el; at; at = at.parentElement) {
        const [r, g, b, a] = rgba(getComputedStyle(at).backgroundColor);
        if (a === undefined || a > 0.9) return [r ?? 255, g ?? 255, b ?? 255];
      }
      return [255, 255, 255];
    };
    const lowContrast: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || (node.textContent ?? '').trim() === '' || !visible(el) || el.closest('[disabled], [aria-disabled=true], .u-legend')) continue;
      const style = getComputedStyle(el);
      const [fg, bg] = [luminance(rgba(style.color)), luminance(background(el))];
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) lowContrast.push(`${ratio.toFixed(2)}: "${(node.textContent ?? '').trim().slice(0, 40)}" in ${describe(el)}`);
    }
    return {
      unnamed: controls.filter((el) => nameOf(el) === '').map(describe),
      imagesWithoutAlt: [...document.querySelectorAll('img:not([alt])')].map(describe),
      duplicateIds: [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))],
      headings: document.querySelectorAll('h1').length,
      lang: document.documentElement.lang,
      lowContrast,
    };
  });
}

/** Tabs through the page: each focused element shows an outline (or another focus style). */
async function focusIsVisible(page: Page, presses: number): Promise<string[]> {
  const invisible: string[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return undefined;
      const style = getComputedStyle(el);
      const shows = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      return shows ? '' : el.outerHTML.slice(0, 120);
    });
    if (found) invisible.push(found);
  }
  return invisible;
}

describeUi('accessibility basics', (ui) => {
  let pages: { name: string; hash: string }[] = [];

  // describeUi's own beforeAll (the server) runs first: hooks run in the order they are declared.
  beforeAll(async () => {
    const seed = new Seeder(ui().server.baseUrl);
    const experiment = await seed.experiment('a11y-check', { tags: ['vision'] });
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const run = await seed.run(experiment.id, { name: `trial-${i}`, parameters: { lr: 0.01 * (i + 1), optimizer: i % 2 ? 'sgd' : 'adam' } });
      await seed.metric(run.id, 'loss', [1, 0.5 - i * 0.1, 0.25 - i * 0.05]);
      await seed.finish(run.id);
      runs.push(run.id);
    }
    await seed.artifact(runs[0] as string, 'model.pt', 'weights', { type: 'model' });
    pages = [
      { name: 'experiments', hash: '#/' },
      { name: 'experiment', hash: `#/experiments/${experiment.id}` },
      { name: 'run', hash: `#/runs/${runs[0]}` },
      { name: 'compare', hash: `#/compare?runs=${runs.join(',')}` },
    ];
  });

  it.each(['experiments', 'experiment', 'run', 'compare'])('the %s page names every control, has one h1, readable contrast and a visible focus', async (name) => {
    const target = pages.find((p) => p.name === name);
    if (!target) throw new Error('seeding failed');
    const page = await ui().open(target.hash);
    await page.locator('h1').first().waitFor();
    // Audit the page once it has loaded everything (the seeded runs are finished: nothing polls).
    await page.waitForLoadState('networkidle');
    await expect.poll(() => page.locator('.state-loading').count()).toBe(0);
    const findings = await audit(page);
    expect(findings.lang).toBe('en');
    expect(findings.unnamed).toEqual([]);
    expect(findings.imagesWithoutAlt).toEqual([]);
    expect(findings.duplicateIds).toEqual([]);
    expect(findings.headings).toBe(1);
    expect(findings.lowContrast).toEqual([]);
    expect(await focusIsVisible(page, 12)).toEqual([]);
  });
});

describeUi(
  'accessibility basics of signing in',
  (ui) => {
    it('the sign-in form and the signed-in header name every control, have one h1, readable contrast and a visible focus', async () => {
      const token = await aUser(ui().server.fathom, 'ally', 'writer');
      ui().expectFailures(/\/api\//);
      const page = await ui().open('#/');
      await page.getByRole('heading', { level: 1, name: 'Sign in to Fathom' }).waitFor();
      // The form after a refused token too: the error is part of what must be readable.
      await page.getByLabel('API token').fill('fth_wrong_token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      for (const stage of ['refused', 'signed in']) {
        if (stage === 'signed in') {
          await page.getByLabel('API token').fill(token);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('button', { name: 'Sign out' }).waitFor();
          await expect.poll(() => page.locator('.state-loading').count()).toBe(0);
        }
        const findings = await audit(page);
        expect(findings.unnamed, stage).toEqual([]);
        expect(findings.duplicateIds, stage).toEqual([]);
        expect(findings.headings, stage).toBe(1);
        expect(findings.lowContrast, stage).toEqual([]);
        expect(await focusIsVisible(page, 6), stage).toEqual([]);
      }
    });
  },
  { auth: 'token' },
);
