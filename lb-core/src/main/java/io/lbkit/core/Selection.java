package io.lbkit.core;

/**
 * The result of {@link Balancer#select}: the chosen server and the {@code Set-Cookie} header value
 * the adapter must add to the response (null when none). Balancers precompute their selections
 * per snapshot, so selecting allocates nothing.
 *
 * <p>{@link #NONE} means no server is available; adapters answer it with 503
 * ({@link io.lbkit.proxy.ErrorResponse#unlessSelected}).
 */
public final class Selection {
  /** No server available. */
  public static final Selection NONE = new Selection(null, null);

  private final Server server;
  private final String setCookie;

  public Selection(Server server, String setCookie) {
    this.server = server;
    this.setCookie = setCookie;
  }

  /** The chosen server, or null for {@link #NONE}. */
  public Server server() {
    return server;
  }

  /** The {@code Set-Cookie} header value to add to the response, or null. */
  public String setCookie() {
    return setCookie;
  }

  public boolean isEmpty() {
    return server == null;
  }

  /** The server's name, for adapters that expose the selection (route mode). */
  public String name() {
    return server == null ? null : server.name();
  }

  /** The server's IP address as text. */
  public String address() {
    return server == null || server.endpoint() == null ? null : server.endpoint().ipAddress();
  }

  public int port() {
    return server == null || server.endpoint() == null ? 0 : server.endpoint().port();
  }

  @Override
  public String toString() {
    return server == null ? "Selection.NONE" : "Selection{" + server + (setCookie == null ? "" : ", " + setCookie) + "}";
  }
}
