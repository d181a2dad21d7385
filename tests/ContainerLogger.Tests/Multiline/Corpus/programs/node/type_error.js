// A TypeError from reading a property of undefined.
const users = new Map();

function greet(id) {
  return `hello ${users.get(id).name}`;
}

console.log(greet(7));
