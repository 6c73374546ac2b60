/**
 * Runs tasks with at most `limit` in flight. Results keep input order. After the
 * first failure no new task starts (unless `keepGoing`), and in-flight ones are
 * awaited so no request is left dangling when the node throws.
 */
export async function runPool<T>(
	count: number,
	limit: number,
	task: (index: number) => Promise<T>,
	keepGoing: boolean,
): Promise<Array<{ ok: true; value: T } | { ok: false; error: unknown } | undefined>> {
	const results: Array<{ ok: true; value: T } | { ok: false; error: unknown } | undefined> = new Array(count);
	let next = 0;
	let stopped = false;
	const worker = async () => {
		while (!stopped && next < count) {
			const index = next++;
			try {
				results[index] = { ok: true, value: await task(index) };
			} catch (error) {
				results[index] = { ok: false, error };
				if (!keepGoing) stopped = true;
			}
		}
	};
	const workers: Array<Promise<void>> = [];
	for (let w = 0; w < Math.min(Math.max(1, limit), count); w++) workers.push(worker());
	await Promise.all(workers);
	return results;
}
