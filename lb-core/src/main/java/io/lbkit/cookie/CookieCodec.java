package io.lbkit.cookie;

import io.lbkit.core.Endpoint;

/**
 * Computes the 64-bit cookie value of an endpoint under one key. Values are rendered as 16
 * lowercase hex digits. A codec never decodes a value: requests are routed by looking the value
 * up in a table of the live servers' values, so no value can reach an endpoint outside the list.
 *
 * <p>Implementations must be deterministic and thread-safe. They run when membership changes,
 * never per request.
 */
@FunctionalInterface
public interface CookieCodec {
  /** The cookie value of {@code endpoint}, as a 64-bit number. */
  long compute(Endpoint endpoint);

  /** The value as it appears in the cookie: 16 lowercase hex digits, most significant first. */
  default String value(Endpoint endpoint) {
    return Hex.format(compute(endpoint));
  }
}
