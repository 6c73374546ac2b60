'use strict';
// The repository and the package it builds, as every room of tools/ names them.
const fs = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).name;
// What n8n calls the package's node types once it is installed as a community package: <package>.<node name>
const NODE_TYPE = `${PACKAGE_NAME}.khipuSantanderAr`;
const TRIGGER_TYPE = `${PACKAGE_NAME}.khipuSantanderArTrigger`;

module.exports = { REPO_ROOT, PACKAGE_NAME, NODE_TYPE, TRIGGER_TYPE };
