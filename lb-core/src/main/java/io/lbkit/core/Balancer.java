package io.lbkit.core;

import java.util.List;

/**
 * Selects a server for a request. Implementations precompute what they need when a new
 * {@link Snapshot} is published and select with one volatile read, no lock and no allocation.
 *
 * <p>{@code select} never throws for a request: no available server is {@link Selection#NONE}.
 *
 * <p>Adapters (the servlet filter, a gateway filter) use only this interface and
 * {@link Selection}, never a concrete balancer: the default methods below say what to do with the
 * request's cookies, the server's {@code Set-Cookie} lines and caching. {@code io.lbkit.proxy}
 * applies them to header lines for any engine.
 */
public interface Balancer {
  /** Selects a server for the request; returns {@link Selection#NONE} when none is available. */
  Selection select(RequestView request);

  /**
   * Selects a server for a retry after the servers in {@code tried} failed (HAProxy
   * {@code redispatch}): one not in {@code tried} while there is one, else any (every server was
   * tried: go round again). {@code tried} compares endpoints, so servers tried before a snapshot
   * publish stay excluded after it.
   *
   * <p>The default asks {@link #select} once per eligible server, which suits balancers that
   * rotate; if other requests moved the rotation meanwhile so that only tried servers came up,
   * it takes the first eligible server with weight that was not tried. A balancer whose choice
   * does not move by itself (least connections: the server that just failed is the idlest)
   * overrides it.
   */
  default Selection selectOther(RequestView request, TriedServers tried) {
    Selection last = Selection.NONE;
    List<Server> eligible = group().snapshot().eligible();
    for (int i = 0, n = Math.max(1, eligible.size()); i < n; i++) {
      Selection s = select(request);
      if (s.isEmpty()) {
        return s;
      }
      if (!tried.contains(s.server())) {
        return s;
      }
      last = s;
    }
    for (int i = 0, n = eligible.size(); i < n; i++) {
      Server s = eligible.get(i);
      if (s.weight() > 0 && !tried.contains(s)) {
        return new Selection(s, null);
      }
    }
    return last;
  }

  /** The group this balancer selects from. */
  ServerGroup group();

  /**
   * Rewrites one {@code Cookie} header line of a request before an adapter forwards it to the
   * selected server: a sticky balancer removes its own cookie (HAProxy {@code indirect}), a
   * prefix balancer strips its prefix from the application's cookie. Returns null to drop the
   * line. The default forwards it unchanged.
   */
  default String forwardedCookieHeader(String cookieHeader) {
    return cookieHeader;
  }

  /**
   * Sees one {@code Set-Cookie} header value of the server's response before an adapter passes it
   * to the client, and returns the value to send (null drops it). Stick tables learn session ids
   * here; prefix mode adds its prefix. The default passes it unchanged.
   */
  default String backendSetCookie(Selection selection, String setCookie) {
    return setCookie;
  }

  /**
   * Whether a response that carries a selection's {@link Selection#setCookie() Set-Cookie} must
   * also be kept out of shared caches ({@code Cache-Control: private}, HAProxy's {@code nocache}),
   * so a cache does not hand one client's cookie to others. The default is false.
   */
  default boolean cookieNocache() {
    return false;
  }

  /**
   * The cookie value that pins a request to {@code server}, for stats pages; null when this
   * balancer has no per-server cookie or the server has no address. The default is null.
   */
  default String cookieValue(Server server) {
    return null;
  }
}
