// Opens each page of the dashboard in Firefox and fails if a page does not render or a
// script error occurs. Firefox is driven over WebDriver BiDi, which it speaks itself, so
// no geckodriver is needed. Usage: npm install && node check.mjs [dashboard URL]
// Environment: FIREFOX (default /usr/bin/firefox-esr), SCREENSHOTS (a folder, optional).
import puppeteer from 'puppeteer-core';

const base = process.argv[2] || 'http://localhost:8080/background-jobs/';
const screenshots = process.env.SCREENSHOTS;
const browser = await puppeteer.launch({ browser: 'firefox', headless: true,
	executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr' });
const errors = [];
try {
	const page = await browser.newPage();
	await page.setViewport({ width: 1280, height: 900 });
	page.on('pageerror', (error) => errors.push(String(error)));
	page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
	console.log('Browser:', await browser.version());

	async function open(hash, selector, name) {
		await page.goto(base + hash, { waitUntil: 'load' });
		await page.waitForSelector(selector, { timeout: 20000 });
		if (screenshots) {
			await page.screenshot({ path: `${screenshots}/firefox-${name}.png` });
		}
	}

	await open('', '#status-counts', 'overview');
	console.log('Overview:', (await page.$eval('#status-counts', (e) => e.innerText)).replace(/\s+/g, ' '));
	await open('#/runs', '#run-filters', 'runs');
	const runLinks = await page.$$eval('table a[href^="#/runs/"]', (links) => links.map((a) => a.getAttribute('href')));
	console.log('Runs listed:', runLinks.length);
	if (runLinks.length > 0) {
		await open(runLinks[0], '#steps, .waterfall, table', 'run');
		console.log('Run page:', await page.$eval('h1, h2', (e) => e.innerText));
	}
	await open('#/dead-letters', 'form, table', 'dead-letters');
	console.log('Dead letters page rendered');
}
finally {
	await browser.close();
}
if (errors.length > 0) {
	console.error('Script errors:', errors);
	process.exit(1);
}
console.log('No script errors');
