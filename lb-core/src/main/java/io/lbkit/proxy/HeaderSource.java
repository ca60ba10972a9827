package io.lbkit.proxy;

import java.util.function.BiConsumer;

/**
 * Header lines as received, over an engine's own header type (a servlet request, Jetty's
 * {@code HttpFields}, Spring's {@code HttpHeaders}): one call per line, in order, repeated names
 * as separate lines. {@link ProxyHeaders} may iterate more than once.
 */
@FunctionalInterface
public interface HeaderSource {
  /** Calls {@code line} with the name and value of every header line. */
  void forEach(BiConsumer<String, String> line);
}
