// n8n loads this package through the "n8n" field of package.json; there is nothing to import here.
module.exports = {};
