/*
 * The background-jobs dashboard: one page, routed by the URL fragment, that reads and writes
 * through the JSON API beside it ("api/..."). Plain browser JavaScript, no libraries.
 */
(function () {
	'use strict';

	const STATUSES = ['DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED'];
	const FINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];
	const page = document.getElementById('page');
	let session = null;
	let refreshTimer = null;
	let routeCount = 0;

	// ---- helpers ----------------------------------------------------------------------

	function el(tag, attributes, ...children) {
		const element = document.createElement(tag);
		for (const [name, value] of Object.entries(attributes || {})) {
			if (value === null || value === undefined || value === false) {
				continue;
			}
			if (name.startsWith('on')) {
				element.addEventListener(name.substring(2), value);
			}
			else if (name === 'className') {
				element.className = value;
			}
			else {
				element.setAttribute(name, value === true ? '' : value);
			}
		}
		for (const child of children.flat()) {
			if (child !== null && child !== undefined && child !== false) {
				element.append(child instanceof Node ? child : String(child));
			}
		}
		return element;
	}

	async function api(path, options) {
		// X-Requested-With keeps Spring Security from asking the browser for Basic credentials.
		const init = Object.assign({ credentials: 'same-origin',
			headers: { Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' } }, options);
		if (init.body !== undefined) {
			init.method = init.method || 'POST';
			init.headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(init.body);
		}
		if (init.method && init.method !== 'GET' && session && session.csrf) {
			init.headers[session.csrf.headerName] = session.csrf.token;
		}
		const response = await fetch('api/' + path, init);
		const text = await response.text();
		let body = null;
		try {
			body = text ? JSON.parse(text) : null;
		}
		catch (ex) {
			body = null;
		}
		if (!response.ok) {
			const reason = (body && (body.message || body.error)) || response.statusText
				|| { 401: 'Sign in to do this', 403: 'Not allowed' }[response.status] || 'Request failed';
			const error = new Error(response.status + ' ' + reason);
			error.status = response.status;
			throw error;
		}
		return body;
	}

	function say(text, isError) {
		const message = document.getElementById('message');
		message.textContent = text;
		message.className = isError ? 'error' : '';
		message.hidden = !text;
	}

	function time(instant) {
		if (!instant) {
			return '';
		}
		const date = new Date(instant);
		const pad = (n, width) => String(n).padStart(width || 2, '0');
		return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' '
			+ pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds()) + '.'
			+ pad(date.getMilliseconds(), 3);
	}

	function duration(millis) {
		if (millis === null || millis === undefined || isNaN(millis)) {
			return '';
		}
		if (millis < 1000) {
			return Math.round(millis) + ' ms';
		}
		if (millis < 60000) {
			return (millis / 1000).toFixed(1) + ' s';
		}
		if (millis < 3600000) {
			return (millis / 60000).toFixed(1) + ' min';
		}
		return (millis / 3600000).toFixed(1) + ' h';
	}

	function status(value) {
		return el('span', { className: 'status ' + value }, value);
	}

	function json(value) {
		return el('pre', {}, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
	}

	function runLink(runId) {
		return el('a', { href: '#/runs/' + runId, className: 'mono' }, runId);
	}

	function query(params) {
		const search = new URLSearchParams();
		for (const [name, value] of Object.entries(params)) {
			if (value) {
				search.set(name, value);
			}
		}
		const text = search.toString();
		return text ? '?' + text : '';
	}

	function toInstant(localValue) {
		return localValue ? new Date(localValue).toISOString() : '';
	}

	function toLocal(instant) {
		if (!instant) {
			return '';
		}
		const date = new Date(instant);
		return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().substring(0, 16);
	}

	function show(title, ...content) {
		page.replaceChildren(el('h1', {}, title), ...content);
	}

	async function act(action, done) {
		try {
			const result = await action();
			if (done) {
				await done(result);
			}
		}
		catch (ex) {
			say(ex.message, true);
		}
	}

	// ---- pages -----------------------------------------------------------------------------

	async function overview() {
		const shownRoute = routeCount;
		const data = await api('overview');
		if (shownRoute !== routeCount) {
			return; // the user moved on while the counts were on their way
		}
		const counts = el('div', { className: 'cards', id: 'status-counts' }, STATUSES.map((name) => el('a', {
			className: 'card', href: '#/runs' + query({ status: name }), 'data-status': name
		}, el('div', { className: 'value' }, data.runCounts[name] || 0), el('div', { className: 'label' }, name))));
		const oldest = data.oldestQueuedAt;
		const activity = el('div', { className: 'cards', id: 'last-hour' },
			card('Started, last hour', data.lastHour.started, '#/runs' + query({ from: new Date(Date.now() - 3600000).toISOString() })),
			card('Completed, last hour', data.lastHour.completed, '#/runs' + query({ status: 'COMPLETED' })),
			card('Failed, last hour', data.lastHour.failed, '#/runs' + query({ status: 'FAILED' })),
			card('Dead letters', data.deadLetterCount, '#/dead-letters', 'dead-letter-count'),
			card('Oldest queued run', oldest ? duration(Date.now() - new Date(oldest).getTime()) + ' ago' : 'none',
				'#/runs' + query({ status: 'QUEUED' })));
		const functions = el('table', { id: 'functions' },
			el('thead', {}, el('tr', {}, el('th', {}, 'Function'), el('th', {}, 'Triggers'), el('th', {}, 'Retries'))),
			el('tbody', {}, data.functions.map((fn) => el('tr', {},
				el('td', {}, el('a', { href: '#/runs' + query({ function: fn.id }) }, fn.id)),
				el('td', { className: 'mono' }, fn.triggers.join(', ')),
				el('td', {}, fn.retries)))));
		const countedAt = el('p', { className: 'muted', id: 'counted-at' },
			'Counted at ' + new Date(data.countedAt).toLocaleTimeString());
		show('Overview', el('h2', {}, 'Runs by status'), counts, countedAt, el('h2', {}, 'Activity'), activity,
			el('h2', {}, 'Functions'), functions);
		// The counts are a snapshot the server refreshes behind each request: polling keeps
		// the page at most two intervals behind.
		clearInterval(refreshTimer);
		refreshTimer = setInterval(() => overview().catch((ex) => say(ex.message, true)),
			(session && session.refreshMillis) || 5000);
	}

	function card(label, value, href, id) {
		return el('a', { className: 'card', href: href, id: id },
			el('div', { className: 'value' }, value), el('div', { className: 'label' }, label));
	}

	async function runs(params) {
		const filters = {
			status: params.get('status') || '', function: params.get('function') || '', from: params.get('from') || '',
			to: params.get('to') || '', eventId: params.get('eventId') || '', before: params.get('before') || ''
		};
		const [functions, data] = await Promise.all([api('functions'), api('runs' + query(filters))]);
		const form = el('form', { className: 'filters', id: 'run-filters', onsubmit: (event) => {
			event.preventDefault();
			const values = new FormData(form);
			location.hash = '#/runs' + query({
				status: values.get('status'), function: values.get('function'), from: toInstant(values.get('from')),
				to: toInstant(values.get('to')), eventId: values.get('eventId').trim()
			});
		} },
			el('label', {}, 'Status', el('select', { name: 'status' }, el('option', { value: '' }, 'any'),
				STATUSES.map((name) => el('option', { value: name, selected: name === filters.status }, name)))),
			el('label', {}, 'Function', el('select', { name: 'function' }, el('option', { value: '' }, 'any'),
				functions.map((fn) => el('option', { value: fn.id, selected: fn.id === filters.function }, fn.id)))),
			el('label', {}, 'Created from', el('input', { type: 'datetime-local', name: 'from', value: toLocal(filters.from) })),
			el('label', {}, 'Created before', el('input', { type: 'datetime-local', name: 'to', value: toLocal(filters.to) })),
			el('label', {}, 'Event id', el('input', { name: 'eventId', value: filters.eventId, size: 36 })),
			el('button', { type: 'submit', id: 'apply-filters' }, 'Filter'),
			el('button', { type: 'button', className: 'secondary', onclick: () => { location.hash = '#/runs'; } }, 'Clear'));
		const live = el('input', { type: 'checkbox', id: 'live', checked: !filters.before });
		const table = el('table', { id: 'runs' },
			el('thead', {}, el('tr', {}, ['Run', 'Function', 'Event', 'Status', 'Attempt', 'Created', 'Took']
				.map((name) => el('th', {}, name)))),
			el('tbody', {}));
		let shown = null;
		const fill = (found) => {
			// Unchanged rows stay as they are: no flicker, and a selection survives.
			const key = JSON.stringify(found.runs);
			if (key === shown) {
				return;
			}
			shown = key;
			table.tBodies[0].replaceChildren(...found.runs.map((run) => el('tr', { 'data-run-id': run.runId, 'data-status': run.status },
				el('td', {}, runLink(run.runId)), el('td', {}, run.functionId), el('td', {}, run.eventName),
				el('td', {}, status(run.status)), el('td', {}, run.attempt), el('td', {}, time(run.createdAt)),
				el('td', {}, run.finishedAt ? duration(new Date(run.finishedAt) - new Date(run.createdAt)) : ''))));
			if (!found.runs.length) {
				table.tBodies[0].append(el('tr', {}, el('td', { colspan: 7, className: 'muted' }, 'No runs match.')));
			}
		};
		fill(data);
		const paging = el('div', { className: 'toolbar' },
			filters.before ? el('a', { href: '#/runs' + query(Object.assign({}, filters, { before: '' })) }, '« Newest') : null,
			data.nextBefore ? el('a', { id: 'older', href: '#/runs' + query(Object.assign({}, filters, { before: data.nextBefore })) }, 'Older »') : null,
			el('label', {}, live, ' Live refresh'));
		show('Runs', form, table, paging);
		const interval = (session && session.refreshMillis) || 5000;
		refreshTimer = setInterval(() => {
			if (live.checked) {
				api('runs' + query(filters)).then(fill).catch((ex) => say(ex.message, true));
			}
		}, interval);
	}

	async function run(runId) {
		const data = await api('runs/' + encodeURIComponent(runId));
		const r = data.run;
		const actions = el('div', { className: 'toolbar' });
		if (session.writable && !FINAL.includes(r.status)) {
			actions.append(el('button', { id: 'cancel-run', className: 'danger', onclick: () => {
				if (confirm('Cancel run ' + r.runId + '?')) {
					act(() => api('runs/' + r.runId + '/cancel', { method: 'POST' }),
						(result) => { say('Run ' + r.runId + ' is now ' + result.status); return route(); });
				}
			} }, 'Cancel run'));
		}
		if (session.writable && r.status === 'FAILED') {
			actions.append(el('button', { id: 'replay-run', onclick: () => replay([r.runId]) }, 'Replay'));
		}
		const trace = data.traceId ? (session.traceUrl
			? el('a', { href: session.traceUrl.replace('{traceId}', data.traceId), target: '_blank', rel: 'noopener', className: 'mono' }, data.traceId)
			: el('span', { className: 'mono' }, data.traceId)) : el('span', { className: 'muted' }, 'none');
		const facts = el('dl', { className: 'grid2', id: 'run-facts' },
			fact('Status', el('span', { id: 'run-status' }, status(r.status))),
			fact('Function', el('a', { href: '#/runs' + query({ function: r.functionId }) }, r.functionId)),
			fact('Attempt', r.attempt),
			fact('Created', time(r.createdAt)), fact('Started', time(r.startedAt)), fact('Finished', time(r.finishedAt)),
			r.wakeAt ? fact(r.status === 'WAITING' ? 'Times out' : 'Wakes', time(r.wakeAt)) : null,
			r.leaseOwner ? fact('Held by', r.leaseOwner) : null,
			fact('Parent run', data.parentRunId ? runLink(data.parentRunId) : el('span', { className: 'muted' }, 'none')),
			fact('Trace', trace));
		const event = el('dl', { className: 'grid2', id: 'run-event' },
			fact('Event', r.event.name), fact('Event id', el('a', { href: '#/runs' + query({ eventId: r.event.id }), className: 'mono' }, r.event.id)),
			fact('Happened', time(r.event.timestamp)), fact('Payload', json(r.event.data)));
		const content = [actions, facts, el('h2', {}, 'Event'), event];
		if (r.awaiting && r.awaiting.length) {
			content.push(el('h2', {}, 'Waiting for'), el('table', { id: 'awaiting' },
				el('thead', {}, el('tr', {}, ['Step', 'Event', 'Match', 'Since', 'Times out'].map((h) => el('th', {}, h)))),
				el('tbody', {}, r.awaiting.map((w) => el('tr', {}, el('td', {}, w.stepId), el('td', {}, w.event),
					el('td', { className: 'mono' }, w.matchPath + ' = ' + w.matchValue), el('td', {}, time(w.since)),
					el('td', {}, time(w.timeoutAt)))))));
		}
		content.push(el('h2', {}, 'Steps'), steps(r));
		if (r.error) {
			content.push(el('h2', {}, 'Error'), el('pre', { className: 'error', id: 'run-error' }, r.error));
		}
		if (r.output !== null && r.output !== undefined) {
			content.push(el('h2', {}, 'Output'), json(r.output));
		}
		if (data.children.length) {
			content.push(el('h2', {}, 'Child runs'), el('table', { id: 'children' }, el('tbody', {},
				data.children.map((c) => el('tr', {}, el('td', {}, runLink(c.runId)), el('td', {}, c.functionId), el('td', {}, status(c.status)))))));
		}
		show('Run ' + r.runId, ...content);
	}

	function fact(label, value) {
		return [el('dt', {}, label), el('dd', {}, value)];
	}

	function steps(r) {
		if (!r.steps.length) {
			return el('p', { className: 'muted', id: 'steps' }, 'No steps recorded yet.');
		}
		const origin = new Date(r.startedAt || r.createdAt).getTime();
		const end = Math.max(...r.steps.map((s) => new Date(s.finishedAt).getTime()), origin + 1);
		const span = end - origin;
		return el('table', { id: 'steps' },
			el('thead', {}, el('tr', {}, ['Step', 'Status', 'Attempts', 'Start', 'Duration', 'Timeline', 'Error / output']
				.map((h) => el('th', {}, h)))),
			el('tbody', {}, r.steps.map((s) => {
				const start = new Date(s.startedAt).getTime() - origin;
				return el('tr', { 'data-step-id': s.id, 'data-status': s.status },
					el('td', { className: 'mono' }, s.id), el('td', {}, status(s.status)), el('td', {}, s.attempts),
					el('td', {}, '+' + duration(start)), el('td', {}, duration(s.durationMillis)),
					el('td', {}, el('div', { className: 'waterfall' }, el('div', {
						className: 'bar ' + s.status,
						style: 'left:' + (100 * start / span).toFixed(2) + '%;width:' + (100 * s.durationMillis / span).toFixed(2) + '%'
					}))),
					el('td', {}, s.error ? el('pre', { className: 'error step-error' }, s.error) : (s.output !== null ? json(s.output) : '')));
			})));
	}

	function replay(ids) {
		act(() => api('dead-letters/replay', { body: { ids: ids } }), (result) => {
			const failed = result.outcomes.filter((o) => o.httpStatus !== 200);
			say(failed.length ? failed.map((o) => o.id + ': ' + o.message).join('; ')
				: 'Replayed ' + ids.length + ' run' + (ids.length > 1 ? 's' : ''), failed.length > 0);
			return route();
		});
	}

	function remove(ids) {
		if (!confirm('Delete ' + ids.length + ' dead letter' + (ids.length > 1 ? 's' : '') + '?')) {
			return;
		}
		act(() => api('dead-letters/delete', { body: { ids: ids } }), (result) => {
			const failed = result.outcomes.filter((o) => o.httpStatus !== 200);
			say(failed.length ? failed.map((o) => o.id + ': ' + o.message).join('; ') : 'Deleted ' + ids.length, failed.length > 0);
			return route();
		});
	}

	async function deadLetters(params) {
		const fn = params.get('function') || '';
		const [functions, data] = await Promise.all([api('functions'), api('dead-letters' + query({ function: fn, limit: 200 }))]);
		const form = el('form', { className: 'filters', onsubmit: (event) => {
			event.preventDefault();
			location.hash = '#/dead-letters' + query({ function: new FormData(form).get('function') });
		} },
			el('label', {}, 'Function', el('select', { name: 'function' }, el('option', { value: '' }, 'any'),
				functions.map((f) => el('option', { value: f.id, selected: f.id === fn }, f.id)))),
			el('button', { type: 'submit' }, 'Filter'));
		const selected = () => [...page.querySelectorAll('input.select-dead-letter:checked')].map((box) => box.value);
		const toolbar = el('div', { className: 'toolbar' },
			el('span', { className: 'muted' }, data.total + ' in all'),
			session.writable ? el('button', { id: 'replay-selected', onclick: () => { const ids = selected(); if (ids.length) { replay(ids); } } }, 'Replay selected') : null,
			session.writable ? el('button', { id: 'delete-selected', className: 'danger', onclick: () => { const ids = selected(); if (ids.length) { remove(ids); } } }, 'Delete selected') : null);
		const body = el('tbody', {});
		for (const d of data.deadLetters) {
			const details = el('tr', { className: 'details', hidden: true },
				el('td', { colspan: 7 }, el('pre', { className: 'error' }, d.error),
					d.record ? el('div', {}, el('h2', {}, 'Record ' + d.record.topic + ' / ' + d.record.partition + ' @ ' + d.record.offset),
						d.record.key ? el('div', {}, 'Key (' + d.record.key.encoding + ')', json(d.record.key.data)) : null,
						d.record.value ? el('div', {}, 'Value (' + d.record.value.encoding + ')', json(d.record.value.data)) : null) : null));
			body.append(el('tr', { 'data-dead-letter-id': d.id },
				el('td', {}, el('input', { type: 'checkbox', className: 'select-dead-letter', value: d.id })),
				el('td', {}, d.runId ? runLink(d.runId) : el('span', { className: 'mono' }, d.id)),
				el('td', {}, d.functionId), el('td', { className: 'mono' }, d.stepId || ''), el('td', {}, time(d.createdAt)),
				el('td', { className: 'mono' }, (d.error || '').split('\n')[0].substring(0, 140)),
				el('td', {}, el('button', { className: 'secondary inspect', onclick: () => { details.hidden = !details.hidden; } }, 'Inspect'),
					session.writable && d.runId ? el('button', { className: 'replay', onclick: () => replay([d.id]) }, 'Replay') : null)),
				details);
		}
		if (!data.deadLetters.length) {
			body.append(el('tr', {}, el('td', { colspan: 7, className: 'muted' }, 'No dead letters.')));
		}
		show('Dead letters', form, toolbar, el('table', { id: 'dead-letters' },
			el('thead', {}, el('tr', {}, ['', 'Run', 'Function', 'Step', 'Failed', 'Error', ''].map((h) => el('th', {}, h)))), body));
	}

	function send() {
		if (!session.sendEvents) {
			show('Send an event', el('p', { className: 'muted' },
				'Sending events is off. Turn it on with background-jobs.dashboard.send-events=true.'));
			return;
		}
		const name = el('input', { id: 'event-name', list: 'event-names', size: 40, value: session.events[0] || '' });
		const data = el('textarea', { id: 'event-data' }, '{\n}');
		const form = el('form', { onsubmit: (event) => {
			event.preventDefault();
			let payload;
			try {
				payload = JSON.parse(data.value || 'null');
			}
			catch (ex) {
				say('The payload is not JSON: ' + ex.message, true);
				return;
			}
			act(() => api('events', { body: { name: name.value, data: payload } }), (result) => {
				say('Sent event ' + result.eventId);
				location.hash = '#/runs' + query({ eventId: result.eventId });
			});
		} },
			el('p', {}, el('label', {}, 'Event name ', name)),
			el('datalist', { id: 'event-names' }, session.events.map((e) => el('option', { value: e }))),
			el('p', {}, data), el('button', { type: 'submit', id: 'send-event', disabled: !session.writable }, 'Send'));
		show('Send an event', form);
	}

	// ---- routing -------------------------------------------------------------------------

	async function route() {
		clearInterval(refreshTimer);
		routeCount++;
		const hash = location.hash.replace(/^#/, '') || '/';
		const [path, search] = hash.split('?');
		const params = new URLSearchParams(search || '');
		const parts = path.split('/').filter(Boolean);
		const section = parts[0] || 'overview';
		for (const link of document.querySelectorAll('header nav a')) {
			link.classList.toggle('active', link.dataset.page === section || (section === 'overview' && link.dataset.page === 'overview'));
		}
		try {
			if (section === 'runs' && parts[1]) {
				await run(parts[1]);
			}
			else if (section === 'runs') {
				await runs(params);
			}
			else if (section === 'dead-letters') {
				await deadLetters(params);
			}
			else if (section === 'send') {
				send();
			}
			else {
				await overview();
			}
		}
		catch (ex) {
			show('Error', el('pre', { className: 'error', id: 'page-error' }, ex.message));
		}
	}

	async function start() {
		try {
			session = await api('session');
		}
		catch (ex) {
			show('Error', el('pre', { className: 'error', id: 'page-error' }, ex.message));
			return;
		}
		document.getElementById('nav-send').hidden = !session.sendEvents;
		document.getElementById('user').textContent = (session.user ? 'Signed in as ' + session.user : 'Anonymous')
			+ (session.showValues ? '' : ' · values hidden') + (session.writable ? '' : ' · read-only');
		window.addEventListener('hashchange', () => { say(''); route(); });
		route();
	}

	start();
})();
