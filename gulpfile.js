const { src, dest } = require('gulp');

// tsc does not copy assets; n8n resolves `file:` icons relative to the compiled files.
function buildIcons() {
	return src(['icons/*.{png,svg}'], { encoding: false }).pipe(dest('dist/icons'));
}

function buildCodex() {
	return src(['nodes/**/*.node.json']).pipe(dest('dist/nodes'));
}

exports['build:icons'] = require('gulp').parallel(buildIcons, buildCodex);
