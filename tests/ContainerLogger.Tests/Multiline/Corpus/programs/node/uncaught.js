// An uncaught Error thrown three calls deep: the code frame (source line and caret), the frames, the Node.js version.
function parse(text) {
  if (!/^\d+$/.test(text)) throw new Error(`not a number: ${text}`);
  return Number(text);
}

function handle(request) {
  return parse(request.count);
}

handle({ count: 'twelve' });
