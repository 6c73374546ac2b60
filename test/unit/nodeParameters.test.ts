import { KhipuSantanderAr } from '../../nodes/KhipuSantanderAr/KhipuSantanderAr.node';
// The checker is plain JavaScript, shared with the examples suite (typed by node-parameters.d.ts).
import { undefinedParameters } from '../integration/support/node-parameters';

const description = new KhipuSantanderAr().description;
const base = {
	resource: 'balance',
	operation: 'getPendingCurrentDayBalances',
	accountNumber: '={{ $json.accountNumber }}',
};
const check = (parameters: object) => undefinedParameters(description, { typeVersion: 1, parameters });

describe('example parameter checker', () => {
	it('accepts parameters and options the node defines', () => {
		expect(
			check({ ...base, delivery: 'resumeOnCallback', options: { waitLimitMinutes: 10, timeoutMs: 5000 } }),
		).toEqual([]);
	});

	it('catches an option the node no longer has, inside the options collection', () => {
		expect(
			check({ ...base, delivery: 'resumeOnCallback', options: { waitLimitMinutes: 10, onWaitTimeout: 'item' } }),
		).toEqual(['options.onWaitTimeout: not defined by the node']);
	});

	it('catches an unknown parameter, a choice the node does not offer, and a parameter hidden by the others', () => {
		expect(check({ ...base, callbackToken: 'x' })).toEqual(['callbackToken: not defined by the node']);
		expect(check({ ...base, delivery: 'carrierPigeon' })).toEqual([
			expect.stringMatching(/^delivery: "carrierPigeon" is not one of/),
		]);
		expect(check({ ...base, delivery: 'sync', callbackUrl: 'https://example.com/cb' })).toEqual([
			expect.stringMatching(/^callbackUrl: defined by the node but not shown/),
		]);
	});

	it('reads expressions as unknown values, not as wrong choices', () => {
		expect(check({ ...base, delivery: '={{ $json.delivery }}' })).toEqual([]);
	});
});
