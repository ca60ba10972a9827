package io.lbkit.servlet;

import io.lbkit.option.OptionException;
import java.util.Locale;

/** What the filter does with a request it balances ({@code mode}). */
public enum Mode {
  /** Forward the request to the selected server and stream the answer back (the default). */
  PROXY,
  /**
   * Select only: set the request attribute {@value LoadBalancingFilter#SELECTION_ATTRIBUTE} and
   * the sticky cookie, then continue the filter chain; the application calls the server itself.
   */
  ROUTE;

  /** Parses {@code proxy} or {@code route} (any case). */
  public static Mode parse(String text) {
    if (text != null) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(text.trim())) {
          return m;
        }
      }
    }
    throw new OptionException("mode", text, "proxy or route");
  }

  /** The name used in configuration: {@code proxy} or {@code route}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
