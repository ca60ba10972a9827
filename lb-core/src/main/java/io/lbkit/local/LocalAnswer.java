package io.lbkit.local;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link LocalHandler} answers: status, content type, extra headers (in order) and the
 * body. An engine's adapter writes it with a {@code Content-Length}, and without the body for
 * {@code HEAD}. Immutable.
 */
public final class LocalAnswer {
  private final int status;
  private final String contentType;
  private final Map<String, String> headers;
  private final byte[] body;

  private LocalAnswer(int status, String contentType, Map<String, String> headers, byte[] body) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 200..599)");
    }
    this.status = status;
    this.contentType = Objects.requireNonNull(contentType, "contentType");
    this.headers = Collections.unmodifiableMap(headers);
    this.body = body;
  }

  /** An answer of {@code status} whose body is {@code text} in UTF-8, of type {@code contentType}. */
  public static LocalAnswer text(int status, String contentType, String text) {
    return new LocalAnswer(status, contentType, new LinkedHashMap<>(), text.getBytes(StandardCharsets.UTF_8));
  }

  /** The same answer with header {@code name} set to {@code value} (after the headers it had). */
  public LocalAnswer withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return new LocalAnswer(status, contentType, h, body);
  }

  public int status() {
    return status;
  }

  /** The {@code Content-Type}, e.g. {@code text/plain; charset=utf-8}. */
  public String contentType() {
    return contentType;
  }

  /** Headers besides {@code Content-Type} and {@code Content-Length}, in the order they were added. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The body's length in bytes. */
  public int length() {
    return body.length;
  }

  /** A copy of the body. */
  public byte[] body() {
    return body.clone();
  }

  /** The body as text (UTF-8), for logs and tests. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return status + " " + contentType + " (" + body.length + " bytes)";
  }
}
