'use strict';
// Loaded into n8n with NODE_OPTIONS=--require (tools/bench/profile.js): SIGUSR2 starts the V8 CPU profiler, the next SIGUSR2 stops it
// and writes <dir>/n8n-<time>.cpuprofile.
if (process.argv.some((a) => /\.bin\/n8n$/.test(a)) && process.argv.includes('start')) {
	const fs = require('node:fs');
	const inspector = require('node:inspector');
	const dir = process.env.KHIPU_PROFILE_DIR;
	const session = new inspector.Session();
	session.connect();
	let on = false;
	process.on('SIGUSR2', () => {
		if (!on) {
			on = true;
			session.post('Profiler.enable', () =>
				session.post('Profiler.setSamplingInterval', { interval: 250 }, () => session.post('Profiler.start')),
			);
			return;
		}
		on = false;
		session.post('Profiler.stop', (err, result) => {
			if (!err) fs.writeFileSync(`${dir}/n8n-${Date.now()}.cpuprofile`, JSON.stringify(result.profile));
		});
	});
}
