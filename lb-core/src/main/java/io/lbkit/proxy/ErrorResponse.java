package io.lbkit.proxy;

import io.lbkit.core.Selection;
import java.nio.charset.StandardCharsets;

/**
 * The short answers a proxy gives instead of the server's: status, a one-line {@code text/plain}
 * body and {@code Cache-Control: no-cache}. Every engine sends the same ones (HAProxy's
 * 502/503/504 meanings, and 405 for {@code CONNECT}).
 */
public final class ErrorResponse {
  /** 503: no server is available (an empty selection, or no server left to retry on). */
  public static final ErrorResponse NO_SERVER =
      new ErrorResponse(503, "503 Service Unavailable: no server is available to handle this request.\n");
  /** 502: the server's answer was invalid or incomplete. */
  public static final ErrorResponse BAD_GATEWAY =
      new ErrorResponse(502, "502 Bad Gateway: the server returned an invalid or incomplete response.\n");
  /** 504: the server did not answer within {@code timeout-server}. */
  public static final ErrorResponse GATEWAY_TIMEOUT =
      new ErrorResponse(504, "504 Gateway Timeout: the server didn't respond in time.\n");

  /** 405: {@code CONNECT}, a forward proxy's method, which no server behind a reverse proxy expects. */
  public static final ErrorResponse CONNECT_REFUSED =
      new ErrorResponse(405, "405 Method Not Allowed: CONNECT is not proxied.\n");

  /** The {@code Content-Type} of every error body. */
  public static final String CONTENT_TYPE = "text/plain; charset=utf-8";
  /** The {@code Cache-Control} of every error answer. */
  public static final String CACHE_CONTROL = "no-cache";

  private final int status;
  private final byte[] body;

  private ErrorResponse(int status, String text) {
    this.status = status;
    this.body = text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The one place where an empty selection becomes an answer: {@link #NO_SERVER} for
   * {@link Selection#NONE} (or any empty selection), null when a server was selected.
   */
  public static ErrorResponse unlessSelected(Selection selection) {
    return selection.isEmpty() ? NO_SERVER : null;
  }

  /**
   * What a proxying engine answers instead of forwarding a request with {@code method}:
   * {@link #CONNECT_REFUSED} for {@code CONNECT}, else null.
   */
  public static ErrorResponse refusedMethod(String method) {
    return "CONNECT".equals(method) ? CONNECT_REFUSED : null;
  }

  /** The answer for 502, 503 or 504. */
  public static ErrorResponse of(int status) {
    switch (status) {
      case 502:
        return BAD_GATEWAY;
      case 503:
        return NO_SERVER;
      case 504:
        return GATEWAY_TIMEOUT;
      default:
        throw new IllegalArgumentException("status: " + status + " (expected: 502, 503 or 504)");
    }
  }

  public int status() {
    return status;
  }

  /** A copy of the body (UTF-8 text ending in a newline). */
  public byte[] body() {
    return body.clone();
  }

  public int bodyLength() {
    return body.length;
  }

  @Override
  public String toString() {
    return new String(body, StandardCharsets.UTF_8).trim();
  }
}
