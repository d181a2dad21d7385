package kotlin;

// Kotlin's exception class, declared in plain Java so the corpus needs no Kotlin compiler.
public class UninitializedPropertyAccessException extends RuntimeException {
    public UninitializedPropertyAccessException(String message, Throwable cause) { super(message, cause); }
}
