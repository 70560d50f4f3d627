import { chromium } from 'playwright-core';
import { isExecutable, onPath } from '../util/executables.ts';

/** Browsers playwright-core can drive, by the names Debian and others install them under. */
const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/**
 * The browser that prints PDFs: `explicit` (--browser), else $MILVUS_DRILL_CHROMIUM, else the
 * first of BROWSER_NAMES on PATH. playwright-core never downloads one.
 */
export function findBrowser(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const wanted = explicit ?? env.MILVUS_DRILL_CHROMIUM;
  if (wanted) {
    if (!isExecutable(wanted)) throw new Error(`browser '${wanted}' is not an executable file: pass --browser with the path of a Chromium, or unset MILVUS_DRILL_CHROMIUM`);
    return wanted;
  }
  const found = onPath(BROWSER_NAMES, env);
  if (found) return found;
  throw new Error(`no Chromium found on PATH (looked for ${BROWSER_NAMES.join(', ')}): run scripts/setup.sh (it installs Debian's chromium), or pass --browser PATH`);
}

/** Prints a self-contained HTML document to an A4 PDF with the given browser; the browser is closed however it ends. */
export async function printPdf(html: string, outPath: string, browserPath: string, timeoutMs = 60_000): Promise<void> {
  const browser = await chromium.launch({ executablePath: browserPath, timeout: timeoutMs });
  await using _closer = { [Symbol.asyncDispose]: () => browser.close() };
  const page = await browser.newPage();
  // The document loads nothing: refuse every request so a stray URL can never reach a network.
  await page.route('**/*', (route) => route.abort());
  await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
  await page.pdf({ path: outPath, format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' } });
}
