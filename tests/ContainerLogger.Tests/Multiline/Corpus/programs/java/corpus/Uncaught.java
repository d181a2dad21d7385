package corpus;

// An uncaught exception with a cause chain: "Exception in thread", "Caused by:" and "... N more".
public class Uncaught {
    static class ConfigException extends RuntimeException {
        ConfigException(String message, Throwable cause) { super(message, cause); }
    }

    static int parsePort(String text) {
        return Integer.parseInt(text);
    }

    static int loadPort(String text) {
        try {
            return parsePort(text);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("bad port setting", e);
        }
    }

    static void start() {
        try {
            loadPort("80a");
        } catch (IllegalStateException e) {
            throw new ConfigException("server did not start", e);
        }
    }

    public static void main(String[] args) {
        start();
    }
}
