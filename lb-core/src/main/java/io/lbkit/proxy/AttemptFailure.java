package io.lbkit.proxy;

/** How one attempt to forward a request to a server failed, as far as retrying is concerned. */
public enum AttemptFailure {
  /** The connection was never established (refused, unreachable, {@code timeout-connect}). */
  NOT_CONNECTED,
  /** Connected, then closed or reset before any response byte, without a timeout. */
  CLOSED_BEFORE_RESPONSE,
  /** Connected, then the server stayed silent past {@code timeout-server}. */
  TIMED_OUT,
  /** Response bytes came back, but not a complete valid response. */
  BAD_RESPONSE;

  /**
   * Classifies a failure from what the engine observed.
   *
   * @param connected the request began on an established connection
   * @param timedOut the failure was a timeout
   * @param responseStarted any response byte arrived (or the response could not be parsed)
   */
  public static AttemptFailure classify(boolean connected, boolean timedOut, boolean responseStarted) {
    if (!connected) {
      return NOT_CONNECTED;
    }
    if (timedOut) {
      return TIMED_OUT;
    }
    return responseStarted ? BAD_RESPONSE : CLOSED_BEFORE_RESPONSE;
  }
}
