package scala;

// Scala's exception class, declared in plain Java so the corpus needs no Scala compiler.
public class MatchError extends RuntimeException {
    public MatchError(String message) { super(message); }
}
