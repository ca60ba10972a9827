package io.lbkit.health;

import io.lbkit.option.OptionException;
import java.util.Locale;

/** What passive checks watch, the value of the {@code observe} setting (HAProxy's {@code observe}). */
public enum Observe {
  /**
   * Connection failures and timeouts that adapters report to
   * {@link io.lbkit.core.ServerGroup#recordRequestFailure}: {@code error-limit} of them in a row
   * count as one failed check (HAProxy {@code observe layer4} with {@code on-error fail-check}).
   */
  LAYER4,
  /** Passive checks off: request failures are only counted for the stats page. */
  NONE;

  /** Parses {@code layer4} or {@code none}, in any case. */
  public static Observe parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "layer4":
        return LAYER4;
      case "none":
        return NONE;
      default:
        throw new OptionException("observe", text, "layer4 or none");
    }
  }

  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
