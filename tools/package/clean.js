// Removes build output so a publish never ships stale files.
const fs = require('node:fs');
const path = require('node:path');

fs.rmSync(path.join(__dirname, '..', '..', 'dist'), { recursive: true, force: true });
