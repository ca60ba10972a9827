package io.lbkit.servlet;

import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;

/**
 * The Servlet API's side of a tunnel: the container creates it in
 * {@code HttpServletRequest.upgrade} (hence public, with a public constructor) and calls
 * {@link #init} once the 101 is sent. Not for applications: it does nothing unless the filter
 * attached its tunnel first.
 */
public final class TunnelHandler implements HttpUpgradeHandler {
  private volatile Tunnel tunnel;

  /** For the container. */
  public TunnelHandler() {}

  void attach(Tunnel t) {
    this.tunnel = t;
  }

  @Override
  public void init(WebConnection connection) {
    Tunnel t = tunnel;
    if (t == null) {
      try {
        connection.close();
      } catch (Exception e) {
        // nothing to tunnel
      }
      return;
    }
    t.start(connection);
  }

  @Override
  public void destroy() {
    Tunnel t = tunnel;
    if (t != null) {
      t.close("the container ended the connection");
    }
  }
}
