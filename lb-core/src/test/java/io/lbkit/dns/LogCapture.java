package io.lbkit.dns;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Captures the log events of some loggers (logback is the test binding). */
final class LogCapture implements AutoCloseable {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger[] loggers;

  LogCapture(Class<?>... classes) {
    appender.start();
    loggers = new Logger[classes.length];
    for (int i = 0; i < classes.length; i++) {
      loggers[i] = (Logger) LoggerFactory.getLogger(classes[i]);
      loggers[i].addAppender(appender);
    }
  }

  /** Formatted messages at WARN or above containing {@code text}. */
  List<String> warnings(String text) {
    synchronized (appender) {
      return appender.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains(text))
          .collect(Collectors.toList());
    }
  }

  @Override
  public void close() {
    for (Logger l : loggers) {
      l.detachAppender(appender);
    }
    appender.stop();
  }
}
