package io.lbkit.servlet;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.WebConnection;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the client connection abruptly when a proxied response fails after it was committed.
 * Completing the response normally would end a chunked body cleanly and the client would take a
 * truncated body for a whole one; an abort makes the failure visible, as HAProxy does.
 *
 * <p>The Servlet API has no call for this, so each container gets its own: Jetty treats
 * {@code sendError(-1)} as "abort the connection"; Tomcat's coyote response has a
 * {@code CLOSE_NOW} action, reached by reflection. Elsewhere the response is only completed,
 * with a warning. {@link #close(WebConnection)} does the same for a tunnel's connection.
 */
final class ConnectionAbort {
  private static final Logger log = LoggerFactory.getLogger(ConnectionAbort.class);

  private ConnectionAbort() {}

  /** Aborts the connection of {@code response}; returns false when only completing is possible. */
  static boolean abort(ServletResponse response) {
    ServletResponse r = response;
    while (r instanceof ServletResponseWrapper) {
      r = ((ServletResponseWrapper) r).getResponse();
    }
    String type = r.getClass().getName();
    try {
      if (type.startsWith("org.eclipse.jetty.")) {
        ((jakarta.servlet.http.HttpServletResponse) r).sendError(-1);
        return true;
      }
      if (type.startsWith("org.apache.catalina.")) {
        return tomcatCloseNow(r);
      }
    } catch (Exception | LinkageError e) {
      log.debug("aborting the connection through {} failed", type, e);
    }
    log.warn("cannot abort the client connection on {}: the client may see a truncated response as complete", type);
    return false;
  }

  /**
   * Closes an upgraded connection so that the client sees it close now. {@code WebConnection.close()}
   * is enough in Jetty; Tomcat only marks the streams closed and closes the socket at its next event
   * on the connection, which may never come while the client waits for us, so its socket is closed
   * here as Tomcat's own WebSocket code closes it.
   */
  static void close(WebConnection connection) {
    try {
      connection.close();
    } catch (Exception e) {
      log.debug("closing the upgraded connection failed", e);
    }
    if (connection.getClass().getName().startsWith("org.apache.coyote.")) {
      try {
        Object out = connection.getOutputStream();
        Field f = out.getClass().getDeclaredField("socketWrapper");
        f.setAccessible(true);
        Object wrapper = f.get(out);
        wrapper.getClass().getMethod("close").invoke(wrapper);
      } catch (Exception | LinkageError e) {
        log.debug("closing Tomcat's socket of an upgraded connection failed", e);
      }
    }
  }

  /**
   * The lock the container holds while it calls an upgraded connection's listeners, or null. Tomcat
   * runs every socket event under its socket wrapper's lock and its upgraded streams assume it: a
   * stream used from another thread (the tunnel's server-side callbacks) without it can miss a
   * read or write notification and stall the connection. Jetty needs none.
   */
  static java.util.concurrent.locks.Lock containerLock(WebConnection connection) {
    if (!connection.getClass().getName().startsWith("org.apache.coyote.")) {
      return null;
    }
    try {
      Object out = connection.getOutputStream();
      Field f = out.getClass().getDeclaredField("socketWrapper");
      f.setAccessible(true);
      Object wrapper = f.get(out);
      Method getLock = Class.forName("org.apache.tomcat.util.net.SocketWrapperBase", false,
          wrapper.getClass().getClassLoader()).getMethod("getLock");
      return (java.util.concurrent.locks.Lock) getLock.invoke(wrapper);
    } catch (Exception | LinkageError e) {
      log.warn("cannot reach Tomcat's socket lock of an upgraded connection; tunnels may stall: {}", e.toString());
      return null;
    }
  }

  /**
   * Jetty's {@code EndPoint} of the request's connection (it stays the upgraded connection's), or
   * null in another container. Reached through Jetty's public API by reflection (the filter does
   * not link against the container).
   */
  static Object jettyEndPoint(ServletRequest request) {
    ServletRequest r = request;
    while (r instanceof jakarta.servlet.ServletRequestWrapper) {
      r = ((jakarta.servlet.ServletRequestWrapper) r).getRequest();
    }
    if (!r.getClass().getName().startsWith("org.eclipse.jetty.")) {
      return null;
    }
    ClassLoader loader = r.getClass().getClassLoader();
    for (String ee : new String[] {"ee10", "ee11"}) {
      try {
        Class<?> contextRequest = Class.forName("org.eclipse.jetty." + ee + ".servlet.ServletContextRequest", false,
            loader);
        Object core = contextRequest.getMethod("getServletContextRequest", ServletRequest.class).invoke(null, r);
        if (core == null) {
          continue;
        }
        Class<?> coreRequest = Class.forName("org.eclipse.jetty.server.Request", false, loader);
        Object meta = coreRequest.getMethod("getConnectionMetaData").invoke(core);
        Class<?> metaType = Class.forName("org.eclipse.jetty.server.ConnectionMetaData", false, loader);
        Object connection = metaType.getMethod("getConnection").invoke(meta);
        Class<?> connectionType = Class.forName("org.eclipse.jetty.io.Connection", false, loader);
        return connectionType.getMethod("getEndPoint").invoke(connection);
      } catch (ClassNotFoundException e) {
        // not this environment
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        log.debug("reaching Jetty's endpoint of a connection failed", e);
        return null;
      }
    }
    return null;
  }

  /**
   * Lets an upgraded connection idle up to {@code millis} in the container (the tunnel's own
   * {@code timeout-tunnel} then decides). Jetty keeps its connector's idle timeout on the upgraded
   * connection, so it is raised on its {@linkplain #jettyEndPoint endpoint}. Tomcat lifts the
   * timeouts of an upgraded connection itself. Returns false when nothing could be set.
   */
  static boolean keepUpgradedConnectionFor(Object jettyEndPoint, long millis) {
    if (jettyEndPoint == null) {
      return false;
    }
    try {
      endPointMethod(jettyEndPoint, "setIdleTimeout", long.class).invoke(jettyEndPoint, millis);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.debug("raising Jetty's idle timeout of an upgraded connection failed", e);
      return false;
    }
  }

  /**
   * Half-closes an upgraded connection toward the client (a FIN; the client may still send), after
   * everything written to it was flushed. The Servlet API has no such call and closing an upgraded
   * output stream sends no FIN (Jetty) or closes it all (Tomcat), so Jetty's endpoint
   * ({@code EndPoint.shutdownOutput()}) and Tomcat's NIO socket channel ({@code shutdownOutput()})
   * are used, by reflection. Returns false when neither is reachable (another container or
   * connector): the caller then closes the connection.
   */
  static boolean shutdownOutput(Object jettyEndPoint, WebConnection connection) {
    try {
      if (jettyEndPoint != null) {
        endPointMethod(jettyEndPoint, "shutdownOutput").invoke(jettyEndPoint);
        return true;
      }
      if (connection.getClass().getName().startsWith("org.apache.coyote.")) {
        Object out = connection.getOutputStream();
        Field f = out.getClass().getDeclaredField("socketWrapper");
        f.setAccessible(true);
        Object wrapper = f.get(out);
        Object socket = wrapper.getClass().getMethod("getSocket").invoke(wrapper); // NioChannel with the NIO connector
        Object channel = socket.getClass().getMethod("getIOChannel").invoke(socket);
        if (channel instanceof java.nio.channels.SocketChannel) {
          ((java.nio.channels.SocketChannel) channel).shutdownOutput();
          return true;
        }
      }
    } catch (Exception | LinkageError e) {
      log.debug("half-closing an upgraded connection failed", e);
    }
    return false;
  }

  private static final java.util.concurrent.atomic.AtomicBoolean warnedHandshakeEnd =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Lets Jetty's upgraded input deliver the client's bytes when the handshake had neither
   * {@code Content-Length} nor {@code Transfer-Encoding} (every browser's). Jetty 12 (checked in
   * 12.1.14) parses such a request to its end before the application runs and keeps the end of its
   * (empty) body as the stream's next chunk; the upgrade later switches its parser to "content until
   * the connection closes", but that stale end is still what the upgraded input reads first, and
   * it stays. Dropping it, once Jetty started the tunnel and before the first read, makes the next
   * read parse the connection's bytes. Reached by reflection ({@code HttpConnection._stream},
   * {@code HttpStreamOverHTTP1._chunk}); where they are not found (another Jetty) a warning is
   * logged once and nothing changes. Does nothing in another container or when nothing is stale
   * (a handshake with {@code Content-Length: 0} leaves the parser before the body's end).
   *
   * @param jettyEndPoint {@link #jettyEndPoint}, or null
   */
  static void dropJettyHandshakeEnd(Object jettyEndPoint) {
    if (jettyEndPoint == null) {
      return;
    }
    try {
      Object connection = endPointMethod(jettyEndPoint, "getConnection").invoke(jettyEndPoint);
      Object stream = ((java.util.concurrent.atomic.AtomicReference<?>) field(connection.getClass(), "_stream")
          .get(connection)).get();
      Field chunk = field(stream.getClass(), "_chunk");
      Object eof = Class.forName("org.eclipse.jetty.io.Content$Chunk", false, stream.getClass().getClassLoader())
          .getField("EOF").get(null);
      if (chunk.get(stream) == eof) {
        chunk.set(stream, null);
        log.debug("dropped the handshake's end of body on {}", connection);
      }
    } catch (Exception | LinkageError e) {
      if (warnedHandshakeEnd.compareAndSet(false, true)) {
        log.warn("cannot reach Jetty's request stream of an upgraded connection ({}): tunnels whose handshake has"
            + " no Content-Length (browsers') may get no bytes from the client", e.toString());
      }
      log.debug("reaching Jetty's request stream failed", e);
    }
  }

  /** A declared field of {@code type} or of a superclass, made accessible. */
  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    for (Class<?> t = type; t != null; t = t.getSuperclass()) {
      try {
        Field f = t.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // look further up
      }
    }
    throw new NoSuchFieldException(type.getName() + "." + name);
  }

  private static Method endPointMethod(Object endPoint, String name, Class<?>... types)
      throws ReflectiveOperationException {
    return Class.forName("org.eclipse.jetty.io.EndPoint", false, endPoint.getClass().getClassLoader())
        .getMethod(name, types);
  }

  private static boolean tomcatCloseNow(ServletResponse facade) throws ReflectiveOperationException {
    Object catalina = facade;
    if (facade.getClass().getName().equals("org.apache.catalina.connector.ResponseFacade")) {
      Field f = facade.getClass().getDeclaredField("response");
      f.setAccessible(true);
      catalina = f.get(facade);
    }
    Object coyote = catalina.getClass().getMethod("getCoyoteResponse").invoke(catalina);
    Class<?> actionCode = Class.forName("org.apache.coyote.ActionCode", false, coyote.getClass().getClassLoader());
    Object closeNow = actionCode.getField("CLOSE_NOW").get(null);
    Method action = coyote.getClass().getMethod("action", actionCode, Object.class);
    action.invoke(coyote, closeNow, null);
    return true;
  }
}
