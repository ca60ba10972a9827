package io.lbkit.testkit;

/**
 * What a {@link WhoamiServer} does with the requests it reads, to test how a proxy copes with a
 * backend that misbehaves. "Refuse" is not an effect: {@link WhoamiServer#stop()} closes the
 * listening socket, so connections are refused.
 */
public enum Effect {
  /** Answers normally (whoami text, or the path's behaviour: {@code /data}, {@code /echo}, ...). */
  NORMAL,
  /**
   * Reads the request, then never answers; the connection stays open until the peer closes it
   * ({@link WhoamiServer#openConnections()} drops when it does).
   */
  STALL,
  /** Closes each connection (FIN) as soon as it is accepted, reading nothing: a port that accepts and hangs up. */
  CLOSE_ON_ACCEPT,
  /** Resets each connection (TCP RST) as soon as it is accepted, reading nothing. */
  RESET_ON_ACCEPT,
  /** Reads the request, then closes the connection (FIN) without sending a byte: an empty response. */
  CLOSE_BEFORE_RESPONSE,
  /**
   * Answers normally without {@code Connection: close}, then closes the connection (FIN) at once,
   * leaving any further request on it unread: a server whose keep-alive timeout ran out just as
   * the next request came, the race a proxy reusing idle connections must survive.
   */
  CLOSE_AFTER_RESPONSE,
  /** Reads the request, then resets the connection (TCP RST) without sending a byte. */
  RESET_BEFORE_RESPONSE,
  /** Sends the status line, chunked headers and one chunk of body ({@code partial}), then resets. */
  RESET_MID_RESPONSE,
  /** Answers with bytes that are not HTTP, then closes. */
  MALFORMED
}
