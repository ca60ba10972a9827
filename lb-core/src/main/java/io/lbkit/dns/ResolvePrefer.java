package io.lbkit.dns;

import io.lbkit.option.OptionException;
import java.util.Locale;

/** Which address family to ask for first ({@code resolve-prefer}); HAProxy's default is {@link #IPV6}. */
public enum ResolvePrefer {
  /** Ask A first; on an error or empty answer ask AAAA at once. */
  IPV4,
  /** Ask AAAA first; on an error or empty answer ask A at once (HAProxy's default). */
  IPV6,
  /** Ask A and AAAA together and use both (not in HAProxy). */
  BOTH;

  /** Parses {@code ipv4}, {@code ipv6} or {@code both}, case-insensitively. */
  public static ResolvePrefer parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "ipv4":
        return IPV4;
      case "ipv6":
        return IPV6;
      case "both":
        return BOTH;
      default:
        throw new OptionException("resolve-prefer", value, "ipv4, ipv6 or both");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
