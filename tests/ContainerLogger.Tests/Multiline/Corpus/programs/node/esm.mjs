// An ES module: the code frame names a file:// URL.
function check(value) {
  if (value > 10) throw new RangeError(`value ${value} is above the limit`);
}

check(42);
