package io.lbkit.dns;

import io.lbkit.option.OptionException;
import java.util.Locale;

/**
 * What happens once the DNS has failed (timeout, REFUSED, SERVFAIL, malformed replies) for longer
 * than the status's hold time ({@code dns-failure}).
 */
public enum DnsFailure {
  /**
   * Keep the last known servers (health checks still decide UP/DOWN) and log a warning when this
   * starts and when the DNS answers again. The default: a DNS outage alone never empties the list.
   */
  KEEP,
  /** HAProxy's behaviour: every server goes to MAINT ("resolution") until the DNS answers again. */
  DROP;

  /** Parses {@code keep} or {@code drop}, case-insensitively. */
  public static DnsFailure parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "keep":
        return KEEP;
      case "drop":
        return DROP;
      default:
        throw new OptionException("dns-failure", value, "keep or drop");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
