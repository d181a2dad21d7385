package corpus;

// Kotlin- and Scala-shaped JVM traces from plain Java: those languages' exception classes (kotlin.*, scala.*,
// declared next to this file) and the frames their compilers emit (MainKt, Main$, $anonfun$, coroutine
// continuations), thrown uncaught so the JVM prints them exactly as it prints any trace.
public class JvmLanguages {
    static StackTraceElement frame(String cls, String method, String file, int line) {
        return new StackTraceElement(cls, method, file, line);
    }

    static RuntimeException kotlin() {
        var cause = new IllegalArgumentException("Required value was null.");
        cause.setStackTrace(new StackTraceElement[] {
            frame("com.example.orders.OrderService", "validate", "OrderService.kt", 42),
            frame("com.example.orders.OrderService$place$1", "invokeSuspend", "OrderService.kt", 27),
            frame("kotlin.coroutines.jvm.internal.BaseContinuationImpl", "resumeWith", "ContinuationImpl.kt", 33),
            frame("kotlinx.coroutines.DispatchedTask", "run", "DispatchedTask.kt", 108),
            frame("kotlinx.coroutines.scheduling.CoroutineScheduler$Worker", "run", "CoroutineScheduler.kt", 584),
            frame("com.example.MainKt", "main", "Main.kt", 12),
        });
        var e = new kotlin.UninitializedPropertyAccessException("lateinit property repository has not been initialized", cause);
        e.setStackTrace(new StackTraceElement[] {
            frame("com.example.orders.OrderController", "place", "OrderController.kt", 19),
            frame("com.example.orders.OrderService$place$1", "invokeSuspend", "OrderService.kt", 30),
            frame("kotlin.coroutines.jvm.internal.BaseContinuationImpl", "resumeWith", "ContinuationImpl.kt", 33),
            frame("kotlinx.coroutines.DispatchedTask", "run", "DispatchedTask.kt", 108),
            frame("kotlinx.coroutines.scheduling.CoroutineScheduler$Worker", "run", "CoroutineScheduler.kt", 584),
            frame("com.example.MainKt", "main", "Main.kt", 12),
        });
        return e;
    }

    static RuntimeException scala() {
        var e = new scala.MatchError("Circle(2.0) (of class com.example.shapes.Circle)");
        e.setStackTrace(new StackTraceElement[] {
            frame("com.example.shapes.Area$", "of", "Area.scala", 9),
            frame("com.example.Main$", "$anonfun$main$1", "Main.scala", 14),
            frame("scala.runtime.java8.JFunction0$mcV$sp", "apply", "JFunction0$mcV$sp.scala", 18),
            frame("scala.collection.immutable.List", "foreach", "List.scala", 333),
            frame("com.example.Main$", "main", "Main.scala", 13),
            frame("com.example.Main", "main", "Main.scala", -1),
        });
        return e;
    }

    public static void main(String[] args) {
        throw args.length > 0 && args[0].equals("scala") ? scala() : kotlin();
    }
}
