import { InputError } from '../../../nodes/shared/validation';

/** The InputError `fn` throws; any other outcome fails the test. */
export function errorOf(fn: () => unknown): InputError {
	let thrown: unknown;
	try {
		fn();
	} catch (error) {
		thrown = error;
	}
	if (thrown instanceof InputError) return thrown;
	throw new Error(
		thrown === undefined
			? 'expected an InputError, nothing was thrown'
			: `expected an InputError, got: ${String(thrown)}`,
		{ cause: thrown },
	);
}
