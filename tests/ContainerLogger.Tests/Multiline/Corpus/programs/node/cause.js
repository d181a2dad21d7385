// An Error with a cause (ES2022): node prints the cause inside the error's property block.
function connect() {
  const err = new Error('connect ECONNREFUSED 127.0.0.1:5432');
  err.code = 'ECONNREFUSED';
  throw err;
}

try {
  connect();
} catch (e) {
  throw new Error('database unavailable', { cause: e });
}
