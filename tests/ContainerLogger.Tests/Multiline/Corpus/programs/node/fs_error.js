// A system error thrown by node itself: its code frame is in node's internals, its properties follow the frames.
const fs = require('fs');

fs.readFileSync('/nonexistent/config.json');
