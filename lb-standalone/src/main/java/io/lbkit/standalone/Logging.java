package io.lbkit.standalone;

/**
 * Configures slf4j-simple, the jar's binding, through its system properties. It reads them once,
 * when the first logger is created, so {@link #configure} must run before any class with a
 * logger is touched. Properties the user set with {@code -D} win, except the level that
 * {@code --log-level} asks for explicitly.
 *
 * <p>Format: one line per event, {@code 2026-01-31 12:00:00.000 INFO LoadBalancingFilter - text},
 * on standard error (standard output is for the demo's guide).
 */
final class Logging {
  private static final String P = "org.slf4j.simpleLogger.";

  private Logging() {}

  /** {@code level} is one of {@link Cli#LOG_LEVELS}, or null for the default (info). */
  static void configure(String level) {
    if (level != null) {
      System.setProperty(P + "defaultLogLevel", level);
    } else {
      setIfAbsent(P + "defaultLogLevel", "info");
    }
    setIfAbsent(P + "showDateTime", "true");
    setIfAbsent(P + "dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS");
    setIfAbsent(P + "showThreadName", "false");
    setIfAbsent(P + "showShortLogName", "true");
    setIfAbsent(P + "levelInBrackets", "false");
    setIfAbsent(P + "logFile", "System.err");
    String effective = System.getProperty(P + "defaultLogLevel");
    if (!"debug".equals(effective) && !"trace".equals(effective)) {
      // Jetty's start-up banner and connector lines say nothing our own lines do not
      setIfAbsent(P + "log.org.eclipse.jetty", "warn");
      // Hazelcast (--peers) logs every partition move; lbkit's own lines say when sharing degrades
      setIfAbsent(P + "log.com.hazelcast", "warn");
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
