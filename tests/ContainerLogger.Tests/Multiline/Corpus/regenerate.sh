#!/usr/bin/env bash
# Regenerates the multiline test corpus: runs the programs in programs/ under the real runtimes and stores what
# each prints on stderr (a stack trace, exactly as the runtime wrote it) as <language>/<case>.txt.
# Needs python3, java and javac (default-jdk-headless), go (golang-go), node and ruby. The tests only read the
# stored files, so CI needs none of these; run this after changing a program or to capture newer runtimes.
# The programs run from one fixed directory so the paths inside the traces do not depend on the checkout.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK=${CORPUS_WORKDIR:-/tmp/multiline-corpus}
rm -rf "$WORK"
mkdir -p "$WORK"
cp -r "$HERE/programs/." "$WORK/"

# capture <language/case> <command...>: runs the command in $WORK/<language> and keeps its stderr.
capture() {
  local name=$1
  shift
  local out="$HERE/$name.txt"
  mkdir -p "$(dirname "$out")"
  (cd "$WORK/${name%%/*}" && "$@" 2>"$out" >/dev/null)
  [[ -s $out ]] || { echo "regenerate.sh: $name printed nothing on stderr" >&2; exit 1; }
  echo "$name: $(wc -l <"$out") lines"
}

for program in simple chained_context chained_cause syntax_error syntax_error_import exception_group recursion print_exc; do
  capture "python/$program" /usr/bin/python3 "$WORK/python/$program.py"
done

(cd "$WORK/java" && javac -d classes corpus/*.java kotlin/*.java scala/*.java) || exit 1
capture java/uncaught java -cp classes corpus.Uncaught
capture java/suppressed java -cp classes corpus.Suppressed
capture java/kotlin java -cp classes corpus.JvmLanguages kotlin
capture java/scala java -cp classes corpus.JvmLanguages scala

(cd "$WORK/go" && go build -trimpath -o corpus .) || exit 1
capture go/panic ./corpus error
capture go/goroutines env GOTRACEBACK=all ./corpus workers
capture go/nil_dereference ./corpus nil
capture go/deadlock ./corpus deadlock
capture go/repanic ./corpus repanic
capture go/debug_stack ./corpus stack
capture go/stack_overflow ./corpus overflow
# The runtime's dump on SIGQUIT: every goroutine, then the registers. SIGQUIT goes to that process once it is ready.
quit_when_ready() {
  ./corpus quit >ready.txt &
  local pid=$!
  until [[ -s ready.txt ]]; do sleep 0.05; done
  kill -QUIT "$pid"
  wait "$pid"
}
capture go/sigquit quit_when_ready

for program in uncaught.js type_error.js fs_error.js cause.js throw_string.js rejection.js console_error.js esm.mjs; do
  capture "node/${program%.*}" node "$program"
done

for program in uncaught cause no_method name_error stack_too_deep full_message; do
  capture "ruby/$program" ruby "$program.rb"
done

rm -rf "$WORK"
