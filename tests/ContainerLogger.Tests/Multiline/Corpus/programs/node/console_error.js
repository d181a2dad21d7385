// A caught error logged with console.error (no code frame), the program goes on.
function risky() {
  return JSON.parse('{not json');
}

try {
  risky();
} catch (e) {
  console.error(e);
}
