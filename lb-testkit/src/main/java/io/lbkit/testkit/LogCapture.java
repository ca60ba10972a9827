package io.lbkit.testkit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Captures what some classes log while a test runs, so it can assert on warnings an operator
 * would read. Works with logback, the slf4j binding every module's tests use (test scope in the
 * parent POM); lb-standalone tests with slf4j-simple, as its jar runs, and cannot use it.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.of(ServerGroup.class)) {
 *   ...
 *   assertThat(logs.warnings("ignored")).hasSize(1);
 * }
 * }</pre>
 *
 * Events are kept from {@link #of} until {@link #close()}, whichever thread logs them.
 */
public final class LogCapture implements AutoCloseable {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger[] loggers;

  private LogCapture(Class<?>... types) {
    appender.start();
    loggers = new Logger[types.length];
    for (int i = 0; i < types.length; i++) {
      Object logger = LoggerFactory.getLogger(Objects.requireNonNull(types[i], "type"));
      if (!(logger instanceof Logger)) {
        throw new IllegalStateException("LogCapture needs logback as the slf4j binding, found "
            + logger.getClass().getName());
      }
      loggers[i] = (Logger) logger;
      loggers[i].addAppender(appender);
    }
  }

  /** Starts capturing the loggers of {@code types} (the usual {@code LoggerFactory.getLogger(Type.class)}). */
  public static LogCapture of(Class<?>... types) {
    if (types.length == 0) {
      throw new IllegalArgumentException("types: none (expected: at least one class whose logger to capture)");
    }
    return new LogCapture(types);
  }

  /** The formatted messages logged at exactly {@code level} so far, in order. */
  public List<String> messages(Level level) {
    Objects.requireNonNull(level, "level");
    return select(e -> e.getLevel().levelStr.equals(level.name()));
  }

  /** The formatted messages logged at WARN or above so far that contain {@code text}, in order. */
  public List<String> warnings(String text) {
    Objects.requireNonNull(text, "text");
    return select(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)
        && e.getFormattedMessage().contains(text));
  }

  private List<String> select(Predicate<ILoggingEvent> filter) {
    synchronized (appender) { // the appender adds under this lock (AppenderBase.doAppend)
      return appender.list.stream().filter(filter).map(ILoggingEvent::getFormattedMessage)
          .collect(Collectors.toList());
    }
  }

  /** Stops capturing; the messages stay readable. */
  @Override
  public void close() {
    for (Logger l : loggers) {
      l.detachAppender(appender);
    }
    appender.stop();
  }
}
