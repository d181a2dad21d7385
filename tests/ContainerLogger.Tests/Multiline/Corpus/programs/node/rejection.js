// An unhandled promise rejection from an async function.
async function fetchUser(id) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  throw new RangeError(`user id out of range: ${id}`);
}

fetchUser(-1);
