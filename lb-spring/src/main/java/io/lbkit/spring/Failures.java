package io.lbkit.spring;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** Which errors of an exchange are the server's fault (HAProxy's layer-4 observation), and which may be retried. */
final class Failures {
  private Failures() {
  }

  /** The connection was never established (refused, unreachable, connect timeout): safe to send elsewhere. */
  static boolean isConnectFailure(Throwable t) {
    return find(t, ConnectException.class) != null;
  }

  /** A connection-level failure: not established, reset, closed early, timed out. */
  static boolean isServerFailure(Throwable t) {
    return find(t, IOException.class) != null || find(t, TimeoutException.class) != null;
  }

  /** A short cause for the passive check's log line. */
  static String describe(Throwable t) {
    if (isConnectFailure(t)) {
      return "connection failed: " + find(t, ConnectException.class).getMessage();
    }
    Throwable cause = find(t, IOException.class);
    if (cause == null) {
      cause = find(t, TimeoutException.class);
    }
    return String.valueOf(cause == null ? t : cause);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
