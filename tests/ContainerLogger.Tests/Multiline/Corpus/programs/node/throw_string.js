// Throwing something that is not an Error: no frames, a hint instead.
function fail() {
  throw 'plain string failure';
}

fail();
