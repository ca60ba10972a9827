package io.lbkit.servlet;

import io.lbkit.core.Server;
import java.util.concurrent.TimeoutException;

/** How the proxy names and classifies failures of Jetty's client in logs and retry decisions. */
final class Failures {
  private Failures() {}

  /** The root cause, short: class name and at most 160 characters of message. */
  static String describe(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    if (root instanceof java.io.EOFException) {
      m = "connection closed by the server"; // Jetty's message is a dump of the connection
    } else if (m != null && m.length() > 160) {
      m = m.substring(0, 160) + "...";
    }
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** {@code whoami1 (127.0.0.2:8080)}. */
  static String describe(Server server) {
    return server.name() + " (" + (server.endpoint() == null ? "no address" : server.endpoint().authority()) + ")";
  }

  static boolean isTimeout(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof TimeoutException || c instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** The response could not be parsed: bytes came back. */
  static boolean isMalformed(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.eclipse.jetty.http.HttpException) {
        return true;
      }
    }
    return false;
  }
}
