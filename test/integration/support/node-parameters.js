'use strict';
// Checks a workflow node's parameters against its node type's description, the way the editor
// reads them: every parameter must be a property shown for the node's other values, every
// option inside a collection or fixed collection must be one the collection defines, and a
// fixed choice must be one of its options. n8n silently drops what it does not know, so an
// example setting a removed option would otherwise look fine and do nothing.
const fs = require('node:fs');
const path = require('node:path');
const { NodeHelpers } = require('n8n-workflow');

const { REPO_ROOT } = require('../../../tools/lib/repo');

const isExpression = (value) => typeof value === 'string' && value.startsWith('=');

function checkValue(property, value, where, problems) {
	if (value === undefined || isExpression(value)) return;
	if (property.type === 'options' && Array.isArray(property.options)) {
		const allowed = property.options.map((option) => option.value);
		if (!allowed.includes(value))
			problems.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(allowed)}`);
		return;
	}
	if (property.type === 'collection') {
		checkCollection(property.options ?? [], value, where, problems);
		return;
	}
	if (property.type === 'fixedCollection') {
		if (!value || typeof value !== 'object') return;
		for (const [groupName, groupValue] of Object.entries(value)) {
			const group = (property.options ?? []).find((option) => option.name === groupName);
			if (!group) {
				problems.push(`${where}.${groupName}: not defined by the node`);
				continue;
			}
			const entries = Array.isArray(groupValue) ? groupValue : [groupValue];
			entries.forEach((entry, index) =>
				checkCollection(group.values ?? [], entry, `${where}.${groupName}[${index}]`, problems),
			);
		}
	}
}

function checkCollection(options, value, where, problems) {
	if (!value || typeof value !== 'object') return;
	for (const [name, optionValue] of Object.entries(value)) {
		const option = options.find((candidate) => candidate.name === name);
		if (!option) problems.push(`${where}.${name}: not defined by the node`);
		else checkValue(option, optionValue, `${where}.${name}`, problems);
	}
}

/**
 * Problems with `node.parameters` under `description` (a node type's description), as
 * readable strings; none means every parameter and option is one the node defines.
 */
function undefinedParameters(description, node) {
	const problems = [];
	const parameters = node.parameters ?? {};
	const nodeRef = { ...node, typeVersion: node.typeVersion ?? description.version };
	// Values with defaults filled in, so display conditions see what the editor sees.
	const values =
		NodeHelpers.getNodeParameters(description.properties, parameters, true, false, nodeRef, description) ?? parameters;
	for (const [name, value] of Object.entries(parameters)) {
		const candidates = description.properties.filter((property) => property.name === name);
		if (candidates.length === 0) {
			problems.push(`${name}: not defined by the node`);
			continue;
		}
		const shown = candidates.filter((property) => NodeHelpers.displayParameter(values, property, nodeRef, description));
		if (shown.length === 0) {
			problems.push(`${name}: defined by the node but not shown with these parameters, so n8n ignores it`);
			continue;
		}
		const perProperty = shown.map((property) => {
			const found = [];
			checkValue(property, value, name, found);
			return found;
		});
		// Same-named properties for different modes: the value has to fit one of them.
		if (perProperty.every((found) => found.length > 0)) problems.push(...perProperty[0]);
	}
	return problems;
}

/** The package's own node types, loaded from the build (dist/) as n8n loads them: type name -> description. */
function loadPackageNodeTypes(root = REPO_ROOT) {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const types = new Map();
	for (const file of pkg.n8n.nodes) {
		const exported = require(path.join(root, file));
		for (const NodeClass of Object.values(exported)) {
			if (typeof NodeClass !== 'function') continue;
			const instance = new NodeClass();
			const versions = instance.nodeVersions ? Object.values(instance.nodeVersions) : [instance];
			for (const versioned of versions) {
				const { description } = versioned;
				// n8n derives the "<name>Tool" variant of a usableAsTool node from the same properties.
				const keys = [`${pkg.name}.${description.name}`];
				if (description.usableAsTool) keys.push(`${pkg.name}.${description.name}Tool`);
				for (const key of keys) {
					const list = types.get(key) ?? [];
					list.push(description);
					types.set(key, list);
				}
			}
		}
	}
	return types;
}

/** The description of `node`'s type and version among `types`, or undefined. */
function descriptionFor(types, node) {
	const list = types.get(node.type);
	if (!list) return undefined;
	return list.find((description) => {
		const versions = Array.isArray(description.version) ? description.version : [description.version];
		return versions.includes(node.typeVersion);
	});
}

module.exports = { undefinedParameters, loadPackageNodeTypes, descriptionFor };
