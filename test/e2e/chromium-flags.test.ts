import { expect, it } from 'vitest';
import { BROWSER_UI_FEATURES_OFF } from '../support/ui-build.js';
import { describeUi } from '../support/ui.js';

/**
 * The browser the UI tests and W9 run is the one configured in test/support/ui-build.ts. Chromium
 * keeps only the last `--disable-features` it is given, and Playwright passes one of its own first:
 * ours must repeat every feature of Playwright's, or those come back on (paint holding, HTTPS
 * upgrades, the network calls at start-up), and the measurements would be of another browser.
 */
describeUi('the browser under test', (ui) => {
  it("keeps every feature Playwright turns off, and turns off Chromium's address bar popup", async () => {
    const page = await ui().open('');
    await page.goto('chrome://version');
    const commandLine = await page.locator('#command_line').innerText();
    const lists = [...commandLine.matchAll(/--disable-features=(\S*)/g)].map((match) => (match[1] ?? '').split(','));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    const effective = lists.at(-1) ?? [];
    for (const earlier of lists.slice(0, -1)) expect(effective).toEqual(expect.arrayContaining(earlier));
    expect(effective).toEqual(expect.arrayContaining(BROWSER_UI_FEATURES_OFF));
  });
});
