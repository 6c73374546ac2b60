'use strict';
// Replaces one `<!-- name:start -->` … `<!-- name:end -->` section of a Markdown text.

function markers(name) {
	return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** `text` with the section `name` holding `body` (without markers); throws when the markers are missing. */
function replaceSection(text, name, body) {
	const { start, end } = markers(name);
	const a = text.indexOf(start);
	const b = text.indexOf(end);
	if (a === -1 || b === -1 || b < a || text.indexOf(start, a + 1) !== -1) {
		throw new Error(`expected exactly one ${start} … ${end} section`);
	}
	return `${text.slice(0, a)}${start}\n${body}\n${end}${text.slice(b + end.length)}`;
}

module.exports = { replaceSection };
