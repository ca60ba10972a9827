package io.lbkit.local;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A request as a {@link LocalHandler} sees it: built by an engine's adapter from its own request
 * type. Immutable.
 *
 * @param method the method, as sent ({@code GET})
 * @param path the path, not decoded, without the query (and, in a servlet container, without the
 *     context path)
 * @param query the raw query after {@code ?}, or null
 * @param scheme {@code http} or {@code https}
 * @param host the host the request was addressed to (its {@code Host} header, else the local address)
 * @param port the port the request was addressed to
 * @param headers the header lines, by case-insensitive name; the first of repeated lines
 */
public record LocalRequest(String method, String path, String query, String scheme, String host, int port,
    Map<String, String> headers) {

  public LocalRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(host, "host");
    Map<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    Objects.requireNonNull(headers, "headers").forEach(copy::putIfAbsent);
    headers = Collections.unmodifiableMap(copy);
  }

  /** The value of header {@code name} (any case), or null. */
  public String header(String name) {
    return headers.get(name);
  }

  /**
   * The first value of query parameter {@code name}, URL-decoded ({@code +} is a space), or null;
   * {@code ""} for {@code ?name} or {@code ?name=}. A value that is not valid URL encoding is
   * returned as sent.
   */
  public String parameter(String name) {
    if (query == null) {
      return null;
    }
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      int eq = query.indexOf('=', start);
      int nameEnd = eq < 0 || eq > end ? end : eq;
      if (decode(query.substring(start, nameEnd)).equals(name)) {
        return nameEnd == end ? "" : decode(query.substring(nameEnd + 1, end));
      }
      start = end + 1;
    }
    return null;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
