'use strict';
// Faults for the repeated-delivery memory tests. A real way to make n8n fail to start an execution: a database trigger that refuses to store the new
// execution's data when it holds a marker (the callback's OperationId). n8n creates the execution row
// and its data in one transaction before it queues or runs anything, so the whole start fails, as it
// does when the database has a problem at that moment. SQLite for single-process n8n, PostgreSQL for
// queue mode; the test removes the trigger to let the next delivery through. And a burst cut by a kill.
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const TRIGGER = 'khipu_test_refuse_execution';

function assertMarker(marker) {
	if (!/^[A-Za-z0-9-]{1,64}$/.test(marker)) throw new Error(`marker must be letters, digits and "-": ${marker}`);
}

function sqliteShell(databaseFile, statement) {
	try {
		execFileSync('sqlite3', ['-cmd', '.timeout 10000', databaseFile, statement], { stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (error) {
		if (error.code === 'ENOENT')
			throw new Error('the sqlite3 shell is not installed. Run: bash tools/stack/install-services.sh');
		throw error;
	}
}

/** @returns {{ clear: () => void }} */
function refuseExecutionsInSqlite(databaseFile, marker) {
	assertMarker(marker);
	const sql = (statement) => sqliteShell(databaseFile, statement);
	sql(
		`CREATE TRIGGER ${TRIGGER} BEFORE INSERT ON execution_data WHEN NEW.data LIKE '%${marker}%' ` +
			`BEGIN SELECT RAISE(ABORT, 'injected failure: execution refused by the test'); END;`,
	);
	return { clear: () => sql(`DROP TRIGGER IF EXISTS ${TRIGGER};`) };
}

/** @param {{ binDir: string, port: number, database: string }} postgres  the queue stack's PostgreSQL */
function refuseExecutionsInPostgres(postgres, marker) {
	assertMarker(marker);
	const sql = (statement) =>
		execFileSync(
			path.join(postgres.binDir, 'psql'),
			[
				'-h',
				'127.0.0.1',
				'-p',
				String(postgres.port),
				'-U',
				'postgres',
				'-d',
				postgres.database,
				'-v',
				'ON_ERROR_STOP=1',
				'-c',
				statement,
			],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
	sql(
		`CREATE OR REPLACE FUNCTION ${TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
			`IF NEW.data::text LIKE '%${marker}%' THEN RAISE EXCEPTION 'injected failure: execution refused by the test'; END IF; RETURN NEW; END $$;`,
	);
	sql(`CREATE TRIGGER ${TRIGGER} BEFORE INSERT ON execution_data FOR EACH ROW EXECUTE FUNCTION ${TRIGGER}();`);
	return { clear: () => sql(`DROP TRIGGER IF EXISTS ${TRIGGER} ON execution_data;`) };
}

/**
 * Sends every request of a burst at once and calls `kill()` (which stops n8n the hard way and starts it
 * again) as soon as `after` of them were answered 200, while the others are still in flight. Returns
 * every answer (those cut by the kill have status 0) and what `kill()` returned.
 */
async function burstKilledMidway(sends, after, kill) {
	let ok = 0;
	let signal;
	const reached = new Promise((resolve) => (signal = resolve));
	const answers = Promise.all(
		sends.map(async (send) => {
			const answer = await send();
			if (answer.status === 200 && ++ok === after) signal();
			return answer;
		}),
	);
	await Promise.race([reached, answers]);
	const killing = kill();
	return { answers: await answers, restart: await killing };
}

module.exports = { refuseExecutionsInSqlite, refuseExecutionsInPostgres, burstKilledMidway };
