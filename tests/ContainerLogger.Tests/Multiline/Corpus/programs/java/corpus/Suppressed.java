package corpus;

// try-with-resources: close() failures appear as indented "Suppressed:" traces, one with its own "Caused by:".
public class Suppressed {
    static class Resource implements AutoCloseable {
        private final String name;
        Resource(String name) { this.name = name; }

        @Override
        public void close() throws Exception {
            if (name.equals("db")) {
                try {
                    throw new java.io.IOException("socket reset");
                } catch (java.io.IOException e) {
                    throw new Exception("closing " + name + " failed", e);
                }
            }
            throw new IllegalStateException("closing " + name + " failed");
        }
    }

    static void work() throws Exception {
        try (Resource cache = new Resource("cache"); Resource db = new Resource("db")) {
            throw new UnsupportedOperationException("work failed");
        }
    }

    public static void main(String[] args) {
        try {
            work();
        } catch (Exception e) {
            e.printStackTrace();
        }
    }
}
